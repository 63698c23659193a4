export {
  type ApiKeyEntry,
  type ApiKeySource,
  apiKeyAuth,
  OPEN_TENANT,
  type TenantVariables,
} from './api-key-auth.ts';

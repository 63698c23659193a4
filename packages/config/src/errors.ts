/** The configuration (file, environment or flags) is invalid; the message names the key and line. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

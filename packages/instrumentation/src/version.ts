/** Name of this package, the instrumentation scope of every span it creates. */
export const PACKAGE_NAME = '@tokenwatch/instrumentation';
/** Version of this package, kept in step with package.json. */
export const PACKAGE_VERSION = '0.1.0';

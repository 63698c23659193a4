/**
 * @module
 * A minimal YAML emitter for provisioning files: maps, lists, strings, numbers and booleans.
 * Strings are written as JSON (double-quoted YAML scalars), so no value can break the structure.
 */

/** A value {@link toYaml} can write. */
export type YamlValue =
  | string
  | number
  | boolean
  | null
  | YamlValue[]
  | { [key: string]: YamlValue };

const scalar = (value: string | number | boolean | null): string =>
  typeof value === 'string' ? JSON.stringify(value) : String(value);

const isEmptyContainer = (value: YamlValue) =>
  (Array.isArray(value) && value.length === 0) ||
  (value !== null && typeof value === 'object' && Object.keys(value).length === 0);

function lines(value: YamlValue, indent: string): string[] {
  if (Array.isArray(value)) {
    return value.flatMap((item) => {
      if (item === null || typeof item !== 'object' || isEmptyContainer(item))
        return [`${indent}- ${inline(item)}`];
      const [first = '', ...rest] = lines(item, `${indent}  `);
      return [`${indent}- ${first.trimStart()}`, ...rest];
    });
  }
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => {
      const name = /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? key : JSON.stringify(key);
      if (item === null || typeof item !== 'object' || isEmptyContainer(item))
        return [`${indent}${name}: ${inline(item)}`];
      return [`${indent}${name}:`, ...lines(item, `${indent}  `)];
    });
  }
  return [`${indent}${scalar(value)}`];
}

function inline(value: YamlValue): string {
  if (Array.isArray(value)) return '[]';
  if (value !== null && typeof value === 'object') return '{}';
  return scalar(value);
}

/** YAML text of `value`, ending with a newline. */
export function toYaml(value: YamlValue): string {
  return `${lines(value, '').join('\n')}\n`;
}

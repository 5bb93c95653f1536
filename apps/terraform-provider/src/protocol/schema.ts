import type { Value } from './values';

/** A Terraform type constraint, as the protocol spells it in JSON. */
export type TypeSpec =
  'string' | 'number' | 'bool' | ['list', TypeSpec] | ['set', TypeSpec] | ['map', TypeSpec] | ['object', Record<string, TypeSpec>];

export const STRING: TypeSpec = 'string';
export const NUMBER: TypeSpec = 'number';
export const BOOL: TypeSpec = 'bool';
export const listOf = (t: TypeSpec): TypeSpec => ['list', t];
export const mapOf = (t: TypeSpec): TypeSpec => ['map', t];

/**
 * One attribute of a resource, data source or the provider, with the plan
 * behaviour terraform-plugin-framework attaches through plan modifiers:
 * `default` (optional + computed: the value planned when the configuration
 * leaves it out), `forceNew` (RequiresReplace), `equal` (semantic equality:
 * a value the API spells differently is still the same value, and the
 * configuration's spelling stays in state).
 */
export interface Attribute {
  type?: TypeSpec;
  /** Attributes nested in this one (protocol 6 nested attributes). */
  nested?: { nesting: 'single' | 'list'; attributes: Record<string, Attribute> };
  description: string;
  required?: boolean;
  optional?: boolean;
  computed?: boolean;
  sensitive?: boolean;
  default?: Value;
  forceNew?: boolean;
  equal?: (a: Value, b: Value) => boolean;
}

export interface Block {
  description: string;
  attributes: Record<string, Attribute>;
}

interface ProtoAttribute {
  name: string;
  type?: Buffer;
  nested_type?: { attributes: ProtoAttribute[]; nesting: 'SINGLE' | 'LIST' };
  description: string;
  description_kind: 'MARKDOWN';
  required: boolean;
  optional: boolean;
  computed: boolean;
  sensitive: boolean;
}

function protoAttributes(attributes: Record<string, Attribute>): ProtoAttribute[] {
  return Object.entries(attributes).map(([name, a]) => ({
    name,
    ...(a.nested
      ? { nested_type: { attributes: protoAttributes(a.nested.attributes), nesting: a.nested.nesting === 'list' ? 'LIST' : 'SINGLE' } }
      : { type: Buffer.from(JSON.stringify(a.type)) }),
    description: a.description,
    description_kind: 'MARKDOWN',
    required: a.required === true,
    optional: a.optional === true,
    computed: a.computed === true,
    sensitive: a.sensitive === true,
  }));
}

/** The protocol's Schema message for a block. */
export function protoSchema(block: Block, version = 0) {
  return {
    version,
    block: {
      version,
      attributes: protoAttributes(block.attributes),
      block_types: [],
      description: block.description,
      description_kind: 'MARKDOWN',
    },
  };
}

/** The type of an attribute's value (nested attributes as objects). */
export function typeOf(a: Attribute): TypeSpec {
  if (!a.nested) return a.type!;
  const object: TypeSpec = ['object', Object.fromEntries(Object.entries(a.nested.attributes).map(([k, v]) => [k, typeOf(v)]))];
  return a.nested.nesting === 'list' ? ['list', object] : object;
}

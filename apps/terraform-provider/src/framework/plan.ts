import type { Path } from '../protocol/diagnostics';
import type { Attribute, Block } from '../protocol/schema';
import { isObject, isUnknown, sameValue, UNKNOWN, type ObjectValue, type Value } from '../protocol/values';

export function equalUnder(a: Attribute, x: Value, y: Value): boolean {
  if (isUnknown(x) || isUnknown(y)) return false;
  return a.equal ? a.equal(x, y) : sameValue(x, y);
}

/**
 * The planned value of one attribute, the way terraform-plugin-framework plans
 * it: a configured value is planned as written; a computed attribute the
 * configuration leaves out gets its default, else keeps its prior value
 * (UseStateForUnknown), else is unknown until apply; anything else is null.
 */
export function planAttribute(a: Attribute, config: Value, prior: Value | undefined, hasPrior: boolean): Value {
  if (a.nested?.nesting === 'list' && Array.isArray(config)) {
    const priorList = Array.isArray(prior) ? prior : [];
    return config.map((element, i) => planNestedObject(a.nested!.attributes, element, priorList[i], hasPrior && i < priorList.length));
  }
  if (a.nested?.nesting === 'single' && isObject(config)) {
    return planNestedObject(a.nested.attributes, config, prior, hasPrior && isObject(prior));
  }
  if (config !== null) return config;
  if (!a.computed) return null;
  if (a.default !== undefined) return a.default;
  return hasPrior && prior !== undefined ? prior : UNKNOWN;
}

/**
 * An element of a nested list: its computed parts keep their prior values
 * only while every configured part of the element is unchanged (the element
 * still stands for the same thing); otherwise they are unknown again.
 */
function planNestedObject(attributes: Record<string, Attribute>, config: Value, prior: Value | undefined, hasPrior: boolean): Value {
  if (!isObject(config)) return config;
  const priorObject = hasPrior && isObject(prior) ? prior : undefined;
  const same =
    priorObject !== undefined &&
    Object.entries(attributes).every(([k, a]) => config[k] === null || equalUnder(a, config[k], priorObject[k]));
  const out: ObjectValue = {};
  for (const [k, a] of Object.entries(attributes)) out[k] = planAttribute(a, config[k] ?? null, priorObject?.[k], same);
  return out;
}

export interface PlannedChange {
  planned: ObjectValue;
  requiresReplace: Path[];
}

/** Plans every attribute of a block, then lists the changed `forceNew` attributes. */
export function planBlock(block: Block, config: ObjectValue, prior: ObjectValue | null): PlannedChange {
  const planned: ObjectValue = {};
  for (const [name, a] of Object.entries(block.attributes)) {
    planned[name] = planAttribute(a, config[name] ?? null, prior?.[name], prior !== null);
  }
  const requiresReplace: Path[] = [];
  if (prior) {
    for (const [name, a] of Object.entries(block.attributes)) {
      if (a.forceNew && !equalUnder(a, planned[name], prior[name]) && !(planned[name] === null && prior[name] === null)) {
        requiresReplace.push([name]);
      }
    }
  }
  return { planned, requiresReplace };
}

/**
 * What the API answered, spelled as the plan (or prior state) spells it where
 * the two mean the same: Terraform requires the applied state to equal every
 * known planned value, and a read must not turn `FD00::/56` into `fd00::/56`
 * (a perpetual diff). Unknown planned values take the API's value.
 */
export function reconcile(a: Attribute, api: Value, planned: Value | undefined): Value {
  if (planned === undefined || isUnknown(planned)) return api;
  if (a.nested?.nesting === 'list' && Array.isArray(api) && Array.isArray(planned)) {
    return api.map((element, i) => reconcileObject(a.nested!.attributes, element, planned[i]));
  }
  if (a.nested?.nesting === 'single' && isObject(api)) return reconcileObject(a.nested.attributes, api, planned);
  return equalUnder(a, planned, api) ? planned : api;
}

function reconcileObject(attributes: Record<string, Attribute>, api: Value, planned: Value | undefined): Value {
  if (!isObject(api) || !isObject(planned)) return api;
  const out: ObjectValue = {};
  for (const [k, a] of Object.entries(attributes)) out[k] = reconcile(a, api[k] ?? null, planned[k]);
  return out;
}

export function reconcileBlock(block: Block, api: ObjectValue, planned: ObjectValue | null): ObjectValue {
  const out: ObjectValue = {};
  for (const [name, a] of Object.entries(block.attributes)) out[name] = reconcile(a, api[name] ?? null, planned?.[name]);
  return out;
}

import type { AttributeMap, AttributeValue } from '../attribute-value.js';
import { validationError } from '../errors.js';
import type { DocumentPath, PathElement } from './ast.js';

/** Returns the value at a document path, or undefined when any step is missing. */
export function valueAt(item: AttributeMap, path: DocumentPath): AttributeValue | undefined {
  let current: AttributeValue | undefined = { M: item };
  for (const element of path.elements) {
    current = child(current, element);
    if (current === undefined) return undefined;
  }
  return current;
}

function child(
  value: AttributeValue | undefined,
  element: PathElement,
): AttributeValue | undefined {
  if (value === undefined) return undefined;
  if ('name' in element) return value.M?.[element.name];
  return value.L?.[element.index];
}

function invalidPath(): Error {
  return validationError(
    'The document path provided in the update expression is invalid for update',
  );
}

/**
 * Sets the value at a path in place. The parent must exist and be a map (for a name) or a
 * list (for an index); an index past the end appends, as DynamoDB does.
 */
export function setValueAt(item: AttributeMap, path: DocumentPath, value: AttributeValue): void {
  const parent = valueAt(item, { type: 'path', elements: path.elements.slice(0, -1) });
  const last = path.elements[path.elements.length - 1] as PathElement;
  if ('name' in last) {
    if (parent?.M === undefined) throw invalidPath();
    parent.M[last.name] = value;
    return;
  }
  if (parent?.L === undefined) throw invalidPath();
  if (last.index >= parent.L.length) parent.L.push(value);
  else parent.L[last.index] = value;
}

/** Removes the value at a path in place; a missing path changes nothing. */
export function removeValueAt(item: AttributeMap, path: DocumentPath): void {
  const parent = valueAt(item, { type: 'path', elements: path.elements.slice(0, -1) });
  const last = path.elements[path.elements.length - 1] as PathElement;
  if ('name' in last) {
    if (parent?.M !== undefined) delete parent.M[last.name];
    return;
  }
  if (parent?.L !== undefined && last.index < parent.L.length) parent.L.splice(last.index, 1);
}

interface ProjectionNode {
  whole: boolean;
  children: Map<string | number, ProjectionNode>;
}

/**
 * Returns the parts of an item that the paths select, nested as in the item. Selected list
 * elements keep their order and close up, as DynamoDB returns them.
 */
export function projectItem(item: AttributeMap, paths: DocumentPath[]): AttributeMap {
  const root: ProjectionNode = { whole: false, children: new Map() };
  for (const path of paths) {
    let node = root;
    for (const element of path.elements) {
      const key = 'name' in element ? element.name : element.index;
      let next = node.children.get(key);
      if (next === undefined) {
        next = { whole: false, children: new Map() };
        node.children.set(key, next);
      }
      node = next;
    }
    node.whole = true;
  }
  return materialize({ M: item }, root)?.M ?? {};
}

function materialize(value: AttributeValue, node: ProjectionNode): AttributeValue | undefined {
  if (node.whole) return value;
  if (value.M !== undefined) {
    const map: AttributeMap = {};
    for (const [key, childNode] of node.children) {
      const element = typeof key === 'string' ? value.M[key] : undefined;
      const selected = element === undefined ? undefined : materialize(element, childNode);
      if (selected !== undefined) map[key as string] = selected;
    }
    return Object.keys(map).length === 0 ? undefined : { M: map };
  }
  if (value.L !== undefined) {
    const indexes = [...node.children.keys()]
      .filter((key) => typeof key === 'number')
      .sort((a, b) => a - b);
    const list: AttributeValue[] = [];
    for (const index of indexes) {
      const element = value.L[index];
      const selected =
        element === undefined
          ? undefined
          : materialize(element, node.children.get(index) as ProjectionNode);
      if (selected !== undefined) list.push(selected);
    }
    return list.length === 0 ? undefined : { L: list };
  }
  return undefined;
}

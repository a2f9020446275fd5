/**
 * Generated blocks of the README: text between `<!-- generated:NAME:begin ... -->` and
 * `<!-- generated:NAME:end -->` is written by `npm run readme` and checked by a test, never by
 * hand.
 */

/** The markers of one block: everything between them belongs to the generator. */
function markers(name: string): { begin: RegExp; end: string } {
  return {
    begin: new RegExp(`<!-- generated:${name}:begin[^>]*-->`),
    end: `<!-- generated:${name}:end -->`,
  };
}

/** `readme` with the block `name` replaced by `content`; throws when its markers are missing. */
export function replaceBlock(readme: string, name: string, content: string): string {
  const { begin, end } = markers(name);
  const opening = begin.exec(readme);
  if (opening === null) {
    throw new Error(`README has no <!-- generated:${name}:begin --> marker`);
  }
  const from = opening.index + opening[0].length;
  const to = readme.indexOf(end, from);
  if (to < 0 || readme.indexOf(end, to + end.length) >= 0 || begin.exec(readme.slice(from))) {
    throw new Error(`README must hold exactly one <!-- generated:${name}:begin/end --> pair`);
  }
  return `${readme.slice(0, from)}\n\n${content.trim()}\n\n${readme.slice(to)}`;
}

/** The content of block `name` (trimmed), for messages and tests. */
export function readBlock(readme: string, name: string): string {
  const { begin, end } = markers(name);
  const opening = begin.exec(readme);
  const to = opening === null ? -1 : readme.indexOf(end, opening.index);
  if (opening === null || to < 0) {
    throw new Error(`README has no generated:${name} block`);
  }
  return readme.slice(opening.index + opening[0].length, to).trim();
}

/**
 * The rule for server names. A server's name is a key of the config and of the outputs (so every reader checks
 * it: the site config when it is given, the bundle when it makes paths of it), a resource name, and the
 * name of a folder and files in the bundles (`<name>/<name>.pfx`, scripts/bundle/plan.ts), which are copied to
 * Windows servers and often through macOS: so a name must be a usable file name there, and names must differ from
 * each other and from the bundle's own names even when case is ignored (both file systems ignore case). Pure.
 */

/** What a bundle holds beside the server folders (scripts/bundle/plan.ts): no server may be named so. */
export const BUNDLE_OWN_NAMES = ["clients", "order.txt"] as const;

/** Letters, digits, "-", "_" and "."; starts with a letter or digit; at most 63 characters. */
const SERVER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

/**
 * Device names Windows reserves in every folder, also with an extension (`CON.txt`, `nul.local`): a file or folder
 * of that name cannot be made or is the device. Microsoft, "Naming Files, Paths, and Namespaces":
 * https://learn.microsoft.com/en-us/windows/win32/fileio/naming-a-file
 */
const WINDOWS_RESERVED = /^(CON|PRN|AUX|NUL|COM[1-9]|LPT[1-9])(\.|$)/i;

/** Why `name` cannot name a server (the reason names the value and the fix), or undefined when it can. */
export function serverNameProblem(name: string): string | undefined {
  const shown = JSON.stringify(name);
  if (!SERVER_NAME.test(name)) {
    return `${shown} is not a usable server name: use letters, digits, "-", "_" or "." (at most 63, starting with a letter or digit), e.g. rec01`;
  }
  if (WINDOWS_RESERVED.test(name)) {
    const device = WINDOWS_RESERVED.exec(name)![1].toUpperCase();
    return `${shown} is not a usable server name: ${device} is a device name Windows reserves (also with an extension), so its bundle folder cannot be made there; rename the server, e.g. ${name}-01`;
  }
  if (name.endsWith(".")) {
    return `${shown} is not a usable server name: Windows drops a trailing ".", so its bundle files would not keep their names; remove it`;
  }
  if (name.includes("..")) {
    return `${shown} is not a usable server name: ".." is not allowed in a name (it names the parent folder in paths); use a single "."`;
  }
  const own = BUNDLE_OWN_NAMES.find((n) => n === name.toLowerCase());
  if (own) {
    return `${shown} is not a usable server name: the bundle has its own ${own} beside the server folders, and Windows and macOS ignore case; rename the server`;
  }
  return undefined;
}

/** A name equal to an earlier one when case is ignored. */
export interface NameClash {
  name: string;
  /** The earlier name it equals. */
  other: string;
}

/** The names equal, ignoring case, to an earlier name of the list (each reported once, against the first). */
export function serverNameClashes(names: readonly string[]): NameClash[] {
  const first = new Map<string, string>();
  const clashes: NameClash[] = [];
  for (const name of names) {
    const key = name.toLowerCase();
    const other = first.get(key);
    if (other === undefined) first.set(key, name);
    else clashes.push({ name, other });
  }
  return clashes;
}

/** The reason of a clash, naming both and the fix. */
export const clashReason = ({ name, other }: NameClash): string =>
  `${JSON.stringify(name)} and ${JSON.stringify(other)} differ only in case: Windows and macOS would put their bundles in one folder; rename one of them`;

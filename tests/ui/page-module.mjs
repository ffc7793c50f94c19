// Loads one of the pages' modules (`ui/js/…`) for the tests, with the data files they use.
//
// The page modules are ES modules in `.js` files with no package.json around them (they are
// the app's assets); Node before 20.10 would read them as CommonJS. Loading the source as a
// module from a data: URL works on every Node with ES modules; it only takes modules that
// import nothing, as the pure ones do (no DOM, no IPC).
import { readFile } from "node:fs/promises";

/** The exports of `ui/js/<name>`. */
export async function pageModule(name) {
  const source = await readFile(new URL(`../../ui/js/${name}`, import.meta.url), "utf8");
  return import(`data:text/javascript;base64,${Buffer.from(source).toString("base64")}`);
}

/** A JSON file of `tests/ui/`. */
export async function fixture(name) {
  return JSON.parse(await readFile(new URL(name, import.meta.url), "utf8"));
}

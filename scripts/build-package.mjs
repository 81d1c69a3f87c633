// Builds the package in the current folder for publishing (`pnpm pack` runs it as `prepack`):
// JavaScript and declarations in dist/ from tsc, a CommonJS copy in dist/cjs/ when the package
// asks for one ("leantrace": { "commonjs": true }), the assets it lists, and the licence.
//
// The workspace itself never needs this: it runs the TypeScript sources (see the `exports` of
// each package.json); `publishConfig` points the published manifest at dist/.
import { execFileSync } from "node:child_process";
import { copyFileSync, cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(join(root, "package.json"));
const manifest = JSON.parse(readFileSync("package.json", "utf8"));
const settings = manifest.leantrace ?? {};

rmSync("dist", { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.build.json"], {
  stdio: "inherit",
});

/** Every file below `dir`, relative to it. */
function files(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)));
}

if (settings.commonjs) {
  // Agent code is often CommonJS. Each ES module becomes a CommonJS one beside a copy of its
  // declarations, in a folder whose package.json says "commonjs", so that TypeScript reads
  // the declarations as CommonJS too.
  const esbuild = require("esbuild");
  mkdirSync("dist/cjs", { recursive: true });
  for (const file of files("dist")) {
    if (file.startsWith("cjs/")) continue;
    const target = join("dist/cjs", file);
    mkdirSync(dirname(target), { recursive: true });
    if (file.endsWith(".d.ts")) copyFileSync(join("dist", file), target);
    else if (file.endsWith(".js")) {
      esbuild.buildSync({
        entryPoints: [join("dist", file)],
        outfile: target,
        format: "cjs",
        platform: "node",
        target: "node20",
        logLevel: "error",
      });
    }
  }
  writeFileSync("dist/cjs/package.json", `${JSON.stringify({ type: "commonjs" })}\n`);
}

for (const [from, to] of Object.entries(settings.assets ?? {})) {
  cpSync(from, to, { recursive: true });
}
copyFileSync(join(root, "LICENSE"), "LICENSE");

// @vitest-environment node
// The folder map (README "The web UI"): features/<view>/ hold one view each with its own tests;
// a feature uses app-wide pieces (api/, components/, hooks/, lib/, i18n/) but never another
// feature, so each can change or move alone. Something two features need moves down a level.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = join(__dirname, "..");
const FEATURES = join(SRC, "features");

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));
}

const importsOf = (file: string) => [...readFileSync(file, "utf8").matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g)].map((m) => resolve(dirname(file), m[1]!));

describe("the source tree", () => {
  const features = readdirSync(FEATURES);

  it("has the feature folders", () => {
    expect(features).toEqual(expect.arrayContaining(["login", "crawls", "overview", "pages", "page", "issues", "compare", "schedules"]));
  });

  it("gives every feature its own tests", () => {
    const untested = features.filter((f) => !files(join(FEATURES, f)).some((file) => /\.test\.tsx?$/.test(file)));
    expect(untested).toEqual([]);
  });

  it("never lets a feature import another feature", () => {
    const crossing = features.flatMap((f) =>
      files(join(FEATURES, f)).flatMap((file) =>
        importsOf(file)
          .filter((target) => target.startsWith(FEATURES + "/") && !target.startsWith(join(FEATURES, f) + "/"))
          .map((target) => `${relative(SRC, file)} -> ${relative(SRC, target)}`),
      ),
    );
    expect(crossing).toEqual([]);
  });

  it("keeps components, hooks and lib free of features and of the app shell", () => {
    const shared = ["components", "hooks", "lib", "i18n", "api"].flatMap((d) => files(join(SRC, d)));
    const upward = shared.flatMap((file) =>
      importsOf(file)
        .filter((target) => target.startsWith(FEATURES + "/") || target.startsWith(join(SRC, "app") + "/"))
        .map((target) => `${relative(SRC, file)} -> ${relative(SRC, target)}`),
    );
    expect(upward).toEqual([]);
  });
});

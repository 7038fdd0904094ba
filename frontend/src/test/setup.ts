// vitest setup: a clean DOM and clean fetch mocks after each test.
import "@testing-library/jest-dom/vitest";
import { cleanup, configure } from "@testing-library/react";
import { afterEach, vi } from "vitest";

// Views load as lazy chunks and answer through the query cache: on a loaded machine (the whole
// suite on two shared cores) the first render of a view can take longer than the library's 1 s
// default for findBy*/waitFor (a view took 7 s to load with the machine's load average at 10). Wait
// up to 15 s; what is awaited stays exactly the same.
configure({ asyncUtilTimeout: 15_000 });

// jsdom has no canvas: say so plainly (charts then show their numbers as text only) instead of
// letting every chart print jsdom's "not implemented" error.
if (typeof HTMLCanvasElement !== "undefined") {
  HTMLCanvasElement.prototype.getContext = (() => null) as typeof HTMLCanvasElement.prototype.getContext;
}

// jsdom lays nothing out: give a virtualised table's scroll box the height of a screen, so it
// renders the rows a browser would show first.
if (typeof HTMLElement !== "undefined") {
  const own = Object.getOwnPropertyDescriptor(Element.prototype, "clientHeight");
  Object.defineProperty(HTMLElement.prototype, "clientHeight", {
    configurable: true,
    get(this: HTMLElement) {
      return this.classList.contains("dt-scroll") ? 600 : (own?.get?.call(this) ?? 0);
    },
  });
}

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
  globalThis.localStorage?.clear();
});

// vitest setup: a clean DOM and clean fetch mocks after each test.
import "@testing-library/jest-dom/vitest";
import { cleanup, configure } from "@testing-library/react";
import { afterEach, vi } from "vitest";

// findBy*/waitFor re-check on every DOM change until their deadline: 1 s (the default) is shorter than
// loading a lazy feature chunk takes when the whole test suite shares two busy cores, which made
// views that load fine fail at random. The deadline only bounds a wait; nothing sleeps for it.
configure({ asyncUtilTimeout: 5000 });

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

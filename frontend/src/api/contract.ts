/**
 * Compile-time proof that the UI's types agree with the api's OpenAPI document: each line
 * fails `tsc` if what the api sends (schema.d.ts, generated from the committed snapshot) no
 * longer fits what the UI reads. Most UI types are plain aliases of the schema; these lines
 * cover the parts written by hand and the generated page field list. The e2e suite checks the
 * snapshot against the live server.
 */
import type { components } from "./schema";
import type { PAGE_FIELDS, PAGE_SORTS } from "./pageFields.gen";
import type * as ui from "./types";

type S = components["schemas"];

/** True when A can be used where B is expected. */
type Fits<A, B> = [A] extends [B] ? true : false;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;

export type ContractChecks = [
  Assert<Fits<S["Crawl"], ui.Crawl>>,
  Assert<Fits<S["CrawlList"], ui.Paginated<ui.CrawlSummary>>>,
  Assert<Fits<ui.Crawl, ui.CrawlSummary>>,
  Assert<Fits<S["PageList"], ui.Paginated<ui.Page>>>,
  Assert<Fits<S["ProblemDocument"], ui.Problem>>,
  Assert<Fits<ui.CrawlSettings, Partial<S["CrawlRequest"]>>>,
  Assert<Fits<S["Comparison"]["pages"], ui.Comparison["pages"]>>,
  // The generated field list names exactly the schema's page fields, and the sortable ones exactly the api's sort values.
  Assert<Same<(typeof PAGE_FIELDS)[number]["name"], keyof S["Page"]>>,
  Assert<Fits<ui.PageSort, NonNullable<ui.PageQuery["sort"]>>>,
  Assert<Fits<(typeof PAGE_SORTS)[number], ui.PageSort>>,
];

/**
 * Compile-time proof that the UI's types agree with the api's OpenAPI document: each line
 * fails `tsc` if what the api sends (schema.d.ts, generated from the committed snapshot) no
 * longer fits what the UI reads. The e2e suite checks the snapshot against the live server.
 */
import type { components } from "./schema";
import type * as ui from "./types";

type S = components["schemas"];

/** True when A can be used where B is expected. */
type Fits<A, B> = [A] extends [B] ? true : false;
type Assert<T extends true> = T;

export type ContractChecks = [
  Assert<Fits<S["Crawl"], ui.Crawl>>,
  Assert<Fits<S["CrawlList"], ui.Paginated<ui.Crawl>>>,
  Assert<Fits<S["Page"], ui.Page>>,
  Assert<Fits<S["PageList"], ui.Paginated<ui.Page>>>,
  Assert<Fits<S["PageDetail"], ui.PageDetail>>,
  Assert<Fits<S["IssueSummary"], ui.IssueReport>>,
  Assert<Fits<S["Schedule"], ui.Schedule>>,
  Assert<Fits<S["ProblemDocument"], Omit<ui.Problem, "status"> & { status: number }>>,
  Assert<Fits<ui.ScheduleInput, S["ScheduleCreate"]>>,
  Assert<Fits<Required<Pick<ui.CrawlSettings, "url" | "mode" | "urls" | "max_pages" | "include" | "exclude" | "user_agent" | "max_rps" | "concurrency" | "respect_robots" | "use_sitemaps">>, Partial<S["CrawlRequest"]>>>,
];

/**
 * /crawls/{id}/structure: the site as a tree of URL folders (each level read from the server when
 * opened: page counts, share with issues, average depth and link score), and the link graph of
 * the strongest pages (sigma.js, WebGL).
 */
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useParams } from "react-router";
import { api } from "../../api/client";
import { keys } from "../../api/queries";
import type { TreeNode } from "../../api/types";
import { CrawlTabs } from "../../components/crawl/CrawlTabs";
import { Empty, ErrorState, Loading } from "../../components/ui/states";
import { useDocumentTitle } from "../../hooks/useDocumentTitle";
import { useSearchParamsUpdate } from "../../hooks/useSearchParamsUpdate";
import { useI18n } from "../../i18n";
import { formatNumber } from "../../lib/format";
import { LinkGraph, type ColorBy } from "./LinkGraph";

const GRAPH_SIZES = [100, 200, 500];
const STATUS_LEGEND: [string, string][] = [
  ["http-2xx", "2xx"],
  ["http-3xx", "3xx"],
  ["http-4xx", "4xx/5xx"],
  ["http-none", ""],
];

function Level({ crawlId, path, depth }: { crawlId: string; path: string; depth: number }) {
  const { t } = useI18n();
  const level = useQuery({ queryKey: [...keys.crawl(crawlId), "structure", path], queryFn: ({ signal }) => api.structure(crawlId, path, signal) });
  if (level.isError) return <ErrorState error={level.error} onRetry={() => void level.refetch()} />;
  if (!level.data) return <Loading />;
  return (
    <>
      {level.data.children.map((node) => (
        <Branch key={node.path || `${node.name}-${node.page_id}`} crawlId={crawlId} node={node} depth={depth} total={level.data.pages} />
      ))}
      {level.data.truncated && (
        <div role="row" className="tree-row muted">
          <span role="gridcell">{t("structure.truncated", { n: level.data.children.length })}</span>
        </div>
      )}
    </>
  );
}

function Branch({ crawlId, node, depth, total }: { crawlId: string; node: TreeNode; depth: number; total: number }) {
  const { t, locale } = useI18n();
  // a single site at the top opens by itself
  const [open, setOpen] = useState(depth === 0 && node.pages === total && node.folder);
  const share = node.pages ? node.with_issues / node.pages : 0;
  return (
    <>
      <div role="row" className="tree-row" aria-level={depth + 1} aria-expanded={node.folder ? open : undefined} data-testid="tree-row" data-path={node.path}>
        <span role="gridcell" className="tree-name" style={{ paddingInlineStart: `${depth * 1.2}rem` }}>
          {node.folder ? (
            <button type="button" className="tree-toggle" aria-label={t(open ? "structure.collapse" : "structure.expand", { name: node.name })} onClick={() => setOpen(!open)} data-testid="tree-toggle">
              {open ? "▾" : "▸"}
            </button>
          ) : (
            <span className="tree-toggle" aria-hidden="true" />
          )}
          {node.page_id && !node.folder ? (
            <Link to={`/crawls/${crawlId}/pages/${node.page_id}`} className="break">
              {node.name}
            </Link>
          ) : (
            <span className="break">{node.name}</span>
          )}
        </span>
        <span role="gridcell" className="num">
          {formatNumber(node.pages, locale)}
        </span>
        <span role="gridcell" className="num">
          <span className="share" style={{ ["--share" as string]: `${Math.round(share * 100)}%` }}>
            {new Intl.NumberFormat(locale, { style: "percent" }).format(share)}
          </span>
        </span>
        <span role="gridcell" className="num">
          {formatNumber(node.avg_depth, locale)}
        </span>
        <span role="gridcell" className="num">
          {formatNumber(node.avg_link_score, locale)}
        </span>
      </div>
      {open && node.folder && <Level crawlId={crawlId} path={node.path} depth={depth + 1} />}
    </>
  );
}

function Tree({ crawlId }: { crawlId: string }) {
  const { t } = useI18n();
  return (
    <section aria-labelledby="tree-title">
      <h2 id="tree-title">{t("structure.tree")}</h2>
      <p className="muted">{t("structure.treeIntro")}</p>
      <div role="treegrid" className="tree card" aria-labelledby="tree-title" data-testid="structure-tree">
        <div role="row" className="tree-row tree-head">
          <span role="columnheader">{t("structure.folder")}</span>
          <span role="columnheader" className="num">
            {t("structure.pages")}
          </span>
          <span role="columnheader" className="num">
            {t("structure.withIssues")}
          </span>
          <span role="columnheader" className="num">
            {t("structure.avgDepth")}
          </span>
          <span role="columnheader" className="num">
            {t("structure.avgScore")}
          </span>
        </div>
        <Level crawlId={crawlId} path="" depth={0} />
      </div>
    </section>
  );
}

function Graph({ crawlId }: { crawlId: string }) {
  const { t } = useI18n();
  const [params, update] = useSearchParamsUpdate();
  const size = GRAPH_SIZES.includes(Number(params.get("n"))) ? Number(params.get("n")) : 200;
  const colorBy: ColorBy = params.get("color") === "indexability" ? "indexability" : "status";
  const graph = useQuery({ queryKey: [...keys.crawl(crawlId), "graph", size], queryFn: ({ signal }) => api.graph(crawlId, size, signal) });
  return (
    <section aria-labelledby="graph-title">
      <h2 id="graph-title">{t("structure.graph")}</h2>
      <div className="filters">
        <label>
          {t("structure.graphSize")}{" "}
          <select value={size} onChange={(e) => update({ n: e.target.value })} data-testid="graph-size">
            {GRAPH_SIZES.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("structure.colorBy")}{" "}
          <select value={colorBy} onChange={(e) => update({ color: e.target.value })} data-testid="graph-color">
            <option value="status">{t("structure.byStatus")}</option>
            <option value="indexability">{t("structure.byIndexability")}</option>
          </select>
        </label>
        <span className="legend" aria-label={t("structure.legend")}>
          {(colorBy === "status" ? STATUS_LEGEND : [["http-2xx", t("pages.indexableYes")], ["http-none", t("pages.indexableNo")]]).map(([tone, text]) => (
            <span key={tone} className={`dot ${tone}`}>
              {tone === "http-none" && colorBy === "status" ? t("overview.noResponse") : text}
            </span>
          ))}
        </span>
      </div>
      {graph.isError ? (
        <ErrorState error={graph.error} onRetry={() => void graph.refetch()} />
      ) : !graph.data ? (
        <Loading />
      ) : graph.data.nodes.length === 0 ? (
        <Empty />
      ) : (
        <>
          <p className="muted">{t("structure.graphIntro", { n: graph.data.nodes.length })}</p>
          <LinkGraph crawlId={crawlId} data={graph.data} colorBy={colorBy} />
        </>
      )}
    </section>
  );
}

export function StructureView() {
  const { crawlId = "" } = useParams();
  const { t } = useI18n();
  useDocumentTitle(t("structure.title"));
  return (
    <div className="structure-view">
      <CrawlTabs crawlId={crawlId} />
      <h1>{t("structure.title")}</h1>
      <Tree crawlId={crawlId} />
      <Graph crawlId={crawlId} />
    </div>
  );
}

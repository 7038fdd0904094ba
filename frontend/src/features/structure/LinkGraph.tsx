/**
 * The link graph of the strongest pages, drawn by sigma.js (WebGL) from a graphology graph laid
 * out by ForceAtlas2. At most 500 nodes (the api's cap): readable, and fluid in any browser.
 * Node size follows the link score, colour the status class or indexability; a click opens the
 * page. The libraries load on first use; a browser without WebGL gets the pages as a list.
 * `data-state="rendered"` marks the first finished frame (what the e2e suite waits for).
 */
import { useEffect, useRef, useState } from "react";
import { useNavigate } from "react-router";
import type { Graph as GraphData, GraphNode } from "../../api/types";
import { readTheme } from "../../components/ui/chart/theme";
import { useI18n } from "../../i18n";

export type ColorBy = "status" | "indexability";

export function toneOf(node: GraphNode, by: ColorBy): string {
  if (by === "indexability") return node.indexable ? "http-2xx" : "http-none";
  if (node.status_code === null || node.status_code === undefined) return "http-none";
  return `http-${Math.floor(node.status_code / 100)}xx`;
}

/** Node radius in px from the link score (0–100): the strongest pages stand out. */
export function sizeOf(node: GraphNode): number {
  return 3 + ((node.link_score ?? 0) / 100) * 12;
}

function webglAvailable(): boolean {
  try {
    const canvas = document.createElement("canvas");
    return Boolean(canvas.getContext("webgl2") ?? canvas.getContext("webgl"));
  } catch {
    return false;
  }
}

export function LinkGraph({ crawlId, data, colorBy }: { crawlId: string; data: GraphData; colorBy: ColorBy }) {
  const { t } = useI18n();
  const box = useRef<HTMLDivElement>(null);
  const navigate = useNavigate();
  const [state, setState] = useState<"loading" | "rendered" | "unsupported">(() => (typeof document !== "undefined" && webglAvailable() ? "loading" : "unsupported"));

  const supported = state !== "unsupported";
  useEffect(() => {
    const element = box.current;
    if (!element || !supported) return;
    let stopped = false;
    let renderer: { kill: () => void } | null = null;
    void Promise.all([import("graphology"), import("sigma"), import("graphology-layout-forceatlas2")]).then(([graphology, sigma, forceAtlas2]) => {
      if (stopped) return;
      const theme = readTheme(element);
      const graph = new graphology.default({ type: "directed", multi: false });
      const count = data.nodes.length || 1;
      data.nodes.forEach((node, i) => {
        // start on a circle (deterministic); ForceAtlas2 pulls linked pages together
        const angle = (2 * Math.PI * i) / count;
        graph.addNode(String(node.id), {
          x: Math.cos(angle),
          y: Math.sin(angle),
          size: sizeOf(node),
          color: theme.tone(toneOf(node, colorBy)),
          label: node.title || node.url,
        });
      });
      for (const [source, target] of data.edges) {
        const s = String(source);
        const d = String(target);
        if (graph.hasNode(s) && graph.hasNode(d) && !graph.hasEdge(s, d)) graph.addEdge(s, d, { size: 0.5, color: theme.grid });
      }
      const settings = forceAtlas2.default.inferSettings(graph);
      forceAtlas2.default.assign(graph, { iterations: 120, settings: { ...settings, barnesHutOptimize: graph.order > 200 } });
      const Sigma = sigma.default;
      const instance = new Sigma(graph, element, {
        labelColor: { color: theme.text },
        labelRenderedSizeThreshold: 9,
        defaultEdgeType: "arrow",
        renderEdgeLabels: false,
      });
      renderer = instance;
      instance.on("clickNode", ({ node }) => navigate(`/crawls/${crawlId}/pages/${node}`));
      instance.once("afterRender", () => !stopped && setState("rendered"));
      instance.refresh();
    }).catch(() => !stopped && setState("unsupported")); // no WebGL context after all, or a chunk failed to load
    return () => {
      stopped = true;
      renderer?.kill();
    };
  }, [crawlId, data, colorBy, navigate, supported]);

  if (state === "unsupported") {
    return (
      <div data-testid="link-graph" data-state="unsupported">
        <p className="muted">{t("structure.noWebgl")}</p>
        <ol className="plain">
          {data.nodes.map((n) => (
            <li key={n.id}>
              <a href={`/crawls/${crawlId}/pages/${n.id}`} onClick={(e) => (e.preventDefault(), navigate(`/crawls/${crawlId}/pages/${n.id}`))}>
                {n.url}
              </a>{" "}
              <span className="muted">{n.link_score ?? "—"}</span>
            </li>
          ))}
        </ol>
      </div>
    );
  }
  return <div ref={box} className="link-graph" data-testid="link-graph" data-state={state} data-nodes={data.nodes.length} data-edges={data.edges.length} />;
}

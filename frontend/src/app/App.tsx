/**
 * The UI routes (CONTRACT.md "UI routes"); every view is reachable by a deep link. Each feature
 * is its own chunk, loaded when its route is first opened, so the first screen carries only what
 * it shows.
 */
import { lazy, Suspense, type ComponentType, type ReactNode } from "react";
import { Navigate, Route, Routes } from "react-router";
import { Loading } from "../components/ui/states";
import { Layout } from "./Layout";

/** A feature's view, loaded on first use (`features/<name>/<View>.tsx` exports it by name). */
function feature<K extends string>(load: () => Promise<Record<K, ComponentType>>, name: K) {
  return lazy(() => load().then((module) => ({ default: module[name] })));
}

const LoginView = feature(() => import("../features/login/LoginView"), "LoginView");
const CrawlsView = feature(() => import("../features/crawls/CrawlsView"), "CrawlsView");
const OverviewView = feature(() => import("../features/overview/OverviewView"), "OverviewView");
const PagesView = feature(() => import("../features/pages/PagesView"), "PagesView");
const PageView = feature(() => import("../features/page/PageView"), "PageView");
const IssuesView = feature(() => import("../features/issues/IssuesView"), "IssuesView");
const StructureView = feature(() => import("../features/structure/StructureView"), "StructureView");
const CompareView = feature(() => import("../features/compare/CompareView"), "CompareView");
const SchedulesView = feature(() => import("../features/schedules/SchedulesView"), "SchedulesView");
const SitesView = feature(() => import("../features/sites/SitesView"), "SitesView");
const SiteView = feature(() => import("../features/sites/SiteView"), "SiteView");
const AlertsView = feature(() => import("../features/alerts/AlertsView"), "AlertsView");
const ChannelsView = feature(() => import("../features/alerts/ChannelsView"), "ChannelsView");

const framed = (view: ReactNode) => (
  <Layout>
    <Suspense fallback={<Loading />}>{view}</Suspense>
  </Layout>
);

export function App() {
  return (
    <Routes>
      <Route
        path="/login"
        element={
          <Suspense fallback={<Loading />}>
            <LoginView />
          </Suspense>
        }
      />
      <Route path="/" element={framed(<SitesView />)} />
      <Route path="/sites" element={framed(<SitesView />)} />
      <Route path="/sites/:siteId" element={framed(<SiteView />)} />
      <Route path="/alerts" element={framed(<AlertsView />)} />
      <Route path="/channels" element={framed(<ChannelsView />)} />
      <Route path="/crawls" element={framed(<CrawlsView />)} />
      <Route path="/crawls/:crawlId" element={framed(<OverviewView />)} />
      <Route path="/crawls/:crawlId/pages" element={framed(<PagesView />)} />
      <Route path="/crawls/:crawlId/pages/:pageId" element={framed(<PageView />)} />
      <Route path="/crawls/:crawlId/issues" element={framed(<IssuesView />)} />
      <Route path="/crawls/:crawlId/structure" element={framed(<StructureView />)} />
      <Route path="/crawls/:crawlId/compare/:otherId" element={framed(<CompareView />)} />
      <Route path="/schedules" element={framed(<SchedulesView />)} />
      <Route path="*" element={<Navigate to="/" replace />} />
    </Routes>
  );
}

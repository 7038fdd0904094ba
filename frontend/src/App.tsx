/** The UI routes (CONTRACT.md "UI routes"); every view is reachable by a deep link. */
import { Navigate, Route, Routes } from "react-router";
import { Layout } from "./components/Layout";
import { LoginView } from "./views/login/LoginView";
import { CrawlsView } from "./views/crawls/CrawlsView";
import { OverviewView } from "./views/overview/OverviewView";
import { PagesView } from "./views/pages/PagesView";
import { PageView } from "./views/page/PageView";
import { IssuesView } from "./views/issues/IssuesView";
import { CompareView } from "./views/compare/CompareView";
import { SchedulesView } from "./views/schedules/SchedulesView";

export function App() {
  return (
    <Routes>
      <Route path="/login" element={<LoginView />} />
      <Route path="/" element={<Navigate to="/crawls" replace />} />
      <Route path="/crawls" element={<Layout><CrawlsView /></Layout>} />
      <Route path="/crawls/:crawlId" element={<Layout><OverviewView /></Layout>} />
      <Route path="/crawls/:crawlId/pages" element={<Layout><PagesView /></Layout>} />
      <Route path="/crawls/:crawlId/pages/:pageId" element={<Layout><PageView /></Layout>} />
      <Route path="/crawls/:crawlId/issues" element={<Layout><IssuesView /></Layout>} />
      <Route path="/crawls/:crawlId/compare/:otherId" element={<Layout><CompareView /></Layout>} />
      <Route path="/schedules" element={<Layout><SchedulesView /></Layout>} />
      <Route path="*" element={<Navigate to="/crawls" replace />} />
    </Routes>
  );
}

import { fireEvent, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { describe, expect, it, vi } from "vitest";
import { I18nProvider } from "../../i18n";
import { DataTable, nextSort, sortRows, type Column, type SortState } from "./DataTable";

interface Row {
  name: string;
  size: number | null;
}
const rows: Row[] = [
  { name: "beta", size: 20 },
  { name: "alpha", size: null },
  { name: "gamma", size: 5 },
];
const columns: Column<Row>[] = [
  { id: "name", header: "Name", sortable: true, sortValue: (r) => r.name, cell: (r) => r.name },
  { id: "size", header: "Size", numeric: true, sortable: true, sortValue: (r) => r.size, cell: (r) => (r.size === null ? "—" : String(r.size)) },
];
const names = () => screen.getAllByRole("row").slice(1).map((r) => within(r).getAllByRole("cell")[0]!.textContent);

function table(extra: Partial<Parameters<typeof DataTable<Row>>[0]> = {}) {
  return render(
    <I18nProvider lang="en">
      <DataTable label="Things" columns={columns} rows={rows} rowKey={(r) => r.name} {...extra} />
    </I18nProvider>,
  );
}

describe("DataTable", () => {
  it("is a table with a header row, in the order given until a header is clicked", () => {
    table();
    expect(screen.getByRole("table", { name: "Things" })).toHaveAttribute("aria-rowcount", "4");
    expect(screen.getAllByRole("columnheader").map((h) => h.textContent)).toEqual(["Name", "Size"]);
    expect(names()).toEqual(["beta", "alpha", "gamma"]);
  });

  it("sorts by a header: text ascending first, numbers largest first, empty values last, again flips", async () => {
    table();
    await userEvent.click(screen.getByRole("button", { name: "Name" }));
    expect(names()).toEqual(["alpha", "beta", "gamma"]);
    expect(screen.getAllByRole("columnheader")[0]).toHaveAttribute("aria-sort", "ascending");
    await userEvent.click(screen.getByRole("button", { name: /^Size/ }));
    expect(names()).toEqual(["beta", "gamma", "alpha"]);
    expect(screen.getAllByRole("columnheader")[1]).toHaveAttribute("aria-sort", "descending");
    await userEvent.click(screen.getByRole("button", { name: /^Size/ }));
    expect(names()).toEqual(["gamma", "beta", "alpha"]);
  });

  it("leaves sorting to the caller when it holds the sort (e.g. on the server)", async () => {
    const onSortChange = vi.fn();
    table({ sort: { id: "size", desc: true }, onSortChange });
    expect(names()).toEqual(["beta", "alpha", "gamma"]); // the caller's order, untouched
    expect(screen.getAllByRole("columnheader")[1]).toHaveAttribute("aria-sort", "descending");
    await userEvent.click(screen.getByRole("button", { name: /^Size/ }));
    expect(onSortChange).toHaveBeenCalledWith({ id: "size", desc: false });
  });

  it("moves between rows with the keyboard and opens one with Enter or a click", async () => {
    const onRowActivate = vi.fn();
    table({ onRowActivate });
    const body = screen.getAllByRole("row").slice(1);
    expect(body.map((r) => r.tabIndex)).toEqual([0, -1, -1]);
    body[0]!.focus();
    await userEvent.keyboard("{ArrowDown}");
    await vi.waitFor(() => expect(document.activeElement).toBe(body[1]));
    await userEvent.keyboard("{End}");
    await vi.waitFor(() => expect(document.activeElement).toBe(body[2]));
    await userEvent.keyboard("{Enter}");
    expect(onRowActivate).toHaveBeenLastCalledWith(rows[2]);
    await userEvent.click(within(body[0]!).getAllByRole("cell")[0]!);
    expect(onRowActivate).toHaveBeenLastCalledWith(rows[0]);
  });

  it("resizes a column from its header edge with the keyboard, and remembers the width", async () => {
    const first = table({ resizable: true, widthsKey: "things" });
    const handle = screen.getByRole("separator", { name: "Resize the column Name" });
    expect(handle).toHaveAttribute("aria-valuenow", "140");
    handle.focus();
    await userEvent.keyboard("{ArrowRight}{ArrowRight}");
    expect(handle).toHaveAttribute("aria-valuenow", "172");
    expect(screen.getByRole("table").querySelector<HTMLElement>(".dt-grid")!.style.gridTemplateColumns).toMatch(/^172px /);
    first.unmount();
    table({ resizable: true, widthsKey: "things" });
    expect(screen.getByRole("separator", { name: "Resize the column Name" })).toHaveAttribute("aria-valuenow", "172");
    fireEvent.doubleClick(screen.getByRole("separator", { name: "Resize the column Name" }));
    expect(screen.getByRole("separator", { name: "Resize the column Name" })).toHaveAttribute("aria-valuenow", "140");
  });

  it("offers more rows with a button when the caller has them", async () => {
    const onLoadMore = vi.fn();
    table({ hasMore: true, onLoadMore });
    await userEvent.click(screen.getByRole("button", { name: "Load more" }));
    expect(onLoadMore).toHaveBeenCalledTimes(1);
  });

  it("renders only what is visible when virtualised, and asks for more near the end", () => {
    const many = Array.from({ length: 5000 }, (_, i) => ({ name: `row ${i}`, size: i }));
    function Virtual() {
      const [sort] = useState<SortState | null>(null);
      return <DataTable label="Many" columns={columns} rows={many} rowKey={(r) => r.name} virtual={{ rowHeight: 30 }} sort={sort} onSortChange={() => undefined} hasMore onLoadMore={() => undefined} />;
    }
    render(
      <I18nProvider lang="en">
        <Virtual />
      </I18nProvider>,
    );
    expect(screen.getByRole("table")).toHaveAttribute("data-loaded", "5000");
    const shown = screen.getAllByRole("row").length - 1;
    expect(shown).toBeGreaterThan(15); // a screen of 600 px at 30 px a row, and some ahead
    expect(shown).toBeLessThan(100);
  });
});

describe("sorting helpers", () => {
  it("nextSort: a new column ascending (numbers descending), the same column flips", () => {
    expect(nextSort(null, { id: "a" })).toEqual({ id: "a", desc: false });
    expect(nextSort(null, { id: "n", numeric: true })).toEqual({ id: "n", desc: true });
    expect(nextSort({ id: "a", desc: false }, { id: "a" })).toEqual({ id: "a", desc: true });
  });

  it("sortRows keeps ties in their order and empty values last both ways", () => {
    const data = [{ v: 2, k: "a" }, { v: null, k: "b" }, { v: 1, k: "c" }, { v: 2, k: "d" }];
    expect(sortRows(data, (r) => r.v, false).map((r) => r.k)).toEqual(["c", "a", "d", "b"]);
    expect(sortRows(data, (r) => r.v, true).map((r) => r.k)).toEqual(["a", "d", "c", "b"]);
  });
});

/** A drop-down of checkboxes choosing a table's columns; `locked` columns are always shown. */
export interface ColumnOption {
  id: string;
  label: string;
  locked?: boolean;
}

export function ColumnChooser({ label, options, visible, onChange }: { label: string; options: ColumnOption[]; visible: string[]; onChange: (ids: string[]) => void }) {
  const chosen = new Set(visible);
  return (
    <details className="column-chooser">
      <summary>{label}</summary>
      <div className="chooser-list">
        {options
          .filter((o) => !o.locked)
          .map((o) => (
            <label key={o.id} className="check">
              <input
                type="checkbox"
                checked={chosen.has(o.id)}
                onChange={(e) => {
                  const next = new Set(chosen);
                  if (e.target.checked) next.add(o.id);
                  else next.delete(o.id);
                  onChange(options.filter((c) => c.locked || next.has(c.id)).map((c) => c.id));
                }}
              />
              {o.label}
            </label>
          ))}
      </div>
    </details>
  );
}

/** Saved column sets: apply one, save the current columns under a name, delete one. */
import { useState } from "react";
import { useI18n } from "../../i18n";
import { deleteColumnSet, loadColumnSets, saveColumnSet } from "./columnSets";

export function ColumnSets({ current, onApply }: { current: string[]; onApply: (columns: string[] | null) => void }) {
  const { t } = useI18n();
  const [sets, setSets] = useState(loadColumnSets);
  const [name, setName] = useState("");
  return (
    <details className="column-chooser column-sets" data-testid="column-sets">
      <summary>{t("pages.columnSets")}</summary>
      <div className="chooser-list">
        <button type="button" className="link-button" onClick={() => onApply(null)}>
          {t("pages.defaultColumns")}
        </button>
        {sets.map((set) => (
          <div key={set.name} className="column-set">
            <button type="button" className="link-button" onClick={() => onApply(set.columns)} data-testid="column-set">
              {set.name}
            </button>
            <button type="button" className="icon-button" aria-label={t("pages.deleteSet", { name: set.name })} onClick={() => setSets(deleteColumnSet(sets, set.name))}>
              ×
            </button>
          </div>
        ))}
        <form
          className="save-set"
          onSubmit={(e) => {
            e.preventDefault();
            setSets(saveColumnSet(sets, name, current));
            setName("");
          }}
        >
          <label>
            {t("pages.saveColumns")}
            <input value={name} onChange={(e) => setName(e.target.value)} placeholder={t("pages.saveColumnsName")} aria-label={t("pages.saveColumnsName")} maxLength={60} data-testid="column-set-name" />
          </label>
          <button type="submit" disabled={!name.trim()}>
            {t("pages.save")}
          </button>
        </form>
      </div>
    </details>
  );
}

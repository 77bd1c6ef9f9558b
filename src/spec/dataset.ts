/** One row of task data. `label` is absent for unlabelled rows; `columns` keeps every raw column. */
export interface DataRow {
  text: string;
  label?: string;
  columns: Record<string, string>;
}

/** Where the text and the gold label are read from (defaults `text` and `label`). */
export interface ColumnOptions {
  textColumn?: string;
  labelColumn?: string;
}

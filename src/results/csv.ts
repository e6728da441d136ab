// CSV as the samplers and the analysis write it: RFC 4180 with a header row. Read here only;
// results/read.ts turns a file into typed rows.

export interface CsvRecords {
  records: { line: number; fields: string[] }[];
  problems: { line: number; message: string }[];
}

/**
 * RFC 4180 CSV: quoted fields may hold commas, quotes ("") and newlines. Every row ends with a
 * newline; a last row without one (a sampler killed mid-write) is a problem, not a row.
 */
export function parseCsv(text: string): CsvRecords {
  const records: CsvRecords['records'] = [];
  const problems: CsvRecords['problems'] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let recordLine = 1;
  const endRecord = () => {
    fields.push(field);
    if (!(fields.length === 1 && fields[0] === '')) records.push({ line: recordLine, fields });
    fields = [];
    field = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else {
        if (c === '\n') line++;
        field += c;
      }
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      fields.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
      recordLine = line;
    } else field += c;
  }
  if (quoted) problems.push({ line: recordLine, message: 'unterminated quoted field (file cut mid-row)' });
  else if (field !== '' || fields.length > 0) problems.push({ line: recordLine, message: 'last row has no newline (writer stopped mid-row); not read' });
  return { records, problems };
}

/** A CSV as a header and its rows (a row cut mid-write is left out). */
export function csvTable(text: string): { header: string[]; rows: string[][] } {
  const [head, ...rest] = parseCsv(text).records;
  return { header: head?.fields ?? [], rows: rest.map((r) => r.fields) };
}

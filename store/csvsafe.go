package store

import "strings"

// Spreadsheet formula injection: a cell that starts with =, +, -, @, a tab or a carriage return
// is read as a formula by Excel, LibreOffice and Google Sheets (=HYPERLINK(…) that leaks data,
// or DDE that runs a program), and stored names, titles and notes come from the public web. As
// OWASP's "CSV Injection" page advises, ExportCSV prefixes such a cell with a single quote, which
// spreadsheets show as text and do not evaluate; ImportCSV removes that quote again, so an
// export re-imports unchanged.

// formulaStarts are the first characters a spreadsheet reads as the start of a formula.
const formulaStarts = "=+-@\t\r"

// SpreadsheetSafe returns the cell as a spreadsheet will show it but never evaluate it.
func SpreadsheetSafe(cell string) string {
	if cell != "" && strings.IndexByte(formulaStarts, cell[0]) >= 0 {
		return "'" + cell
	}
	return cell
}

// fromSpreadsheetSafe undoes SpreadsheetSafe.
func fromSpreadsheetSafe(cell string) string {
	if len(cell) > 1 && cell[0] == '\'' && strings.IndexByte(formulaStarts, cell[1]) >= 0 {
		return cell[1:]
	}
	return cell
}

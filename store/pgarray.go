package store

import (
	"database/sql/driver"
	"strconv"
	"strings"
)

// pgInt64s is a bigint[] parameter (gorm would expand a plain slice into a list).
type pgInt64s []int64

// Value renders the array literal.
func (a pgInt64s) Value() (driver.Value, error) {
	return arrayLiteral(a, func(b *strings.Builder, v int64) { b.WriteString(strconv.FormatInt(v, 10)) }), nil
}

// arrayEscaper escapes an element of an array literal (built once: a Replacer's setup is most of
// what rendering a short array costs).
var arrayEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`)

// pgTexts is a text[] parameter.
type pgTexts []string

// Value renders the array literal, every element quoted.
func (a pgTexts) Value() (driver.Value, error) {
	return arrayLiteral(a, func(b *strings.Builder, v string) {
		b.WriteByte('"')
		b.WriteString(arrayEscaper.Replace(v))
		b.WriteByte('"')
	}), nil
}

// arrayLiteral renders PostgreSQL's array literal, {e1,e2,…}, each element written by elem.
func arrayLiteral[T any](a []T, elem func(*strings.Builder, T)) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, v := range a {
		if i > 0 {
			b.WriteByte(',')
		}
		elem(&b, v)
	}
	b.WriteByte('}')
	return b.String()
}

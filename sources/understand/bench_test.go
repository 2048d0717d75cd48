package understand_test

import (
	"strings"
	"testing"

	"outreachbot/sources/understand"
	"outreachbot/sources/understand/internal/corpus"
)

// BenchmarkPains measures reading one watched item: labelled painful texts of the corpus joined
// into ~4 KB.
func BenchmarkPains(b *testing.B) {
	texts, err := corpus.Load(corpusFile)
	if err != nil {
		b.Fatal(err)
	}
	var sb strings.Builder
	for _, t := range texts {
		if sb.Len() > 4000 {
			break
		}
		if len(t.Pains) == 0 {
			continue
		}
		sb.WriteString(t.Text + "\n")
	}
	text := sb.String()
	an := understand.New(nil, nil)
	if len(an.Pains(text)) == 0 {
		b.Fatal("the benchmark text shows no pain: it would measure an early exit")
	}
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for range b.N {
		an.Pains(text)
	}
}

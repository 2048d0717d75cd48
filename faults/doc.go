// Package faults holds the fault suite (faults_test.go): the real outreachbot binary driven
// against the Slack test double and PostgreSQL through disconnects, rate limits, a stalled
// database and kills. scripts/faults.sh runs it and prints one line per scenario; the normal
// test command skips it.
package faults

package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"outreachbot/sources/adopters"
)

func runImport(ctx context.Context, env Env, parts Parts, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(env.Stdout, "Usage: outreachbot import adopters [--with-emails] <ADOPTERS.md file or URL>")
		fmt.Fprintln(env.Stdout, "\nImports the public Backstage adopters list: one account per organization (merged by domain")
		fmt.Fprintln(env.Stdout, "and name), GitHub handles as contacts, and an adopters_entry signal per new organization.")
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	switch args[0] {
	case "adopters":
		return runImportAdopters(ctx, env, args[1:])
	}
	fmt.Fprintf(env.Stderr, "outreachbot import: unknown kind %q; known: adopters\n", args[0])
	return errUsage
}

func runImportAdopters(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "import adopters", "[--with-emails] <file or URL>",
		"Imports an ADOPTERS.md list. E-mail addresses in it were published for the Backstage project, not\nfor sales: they are left out unless --with-emails is given.")
	withEmails := fs.Bool("with-emails", false, "also store the listed contacts' e-mail addresses")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(env.Stderr, "outreachbot import adopters: give one file or URL")
		return errUsage
	}
	data, err := readSource(ctx, fs.Arg(0))
	if err != nil {
		return err
	}
	entries, err := adopters.Parse(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("parse %s: %w", fs.Arg(0), err)
	}
	opts, err := options(env)
	if err != nil {
		return err
	}
	app, err := openApp(ctx, opts, newLogger(env.Stderr, "warn"))
	if err != nil {
		return err
	}
	defer app.Close()
	res, err := app.Store.ImportAdopters(ctx, entries, *withEmails, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "%d organizations: %d new accounts, %d merged into existing ones, %d new adopter signals, %d contacts\n",
		res.Rows, res.NewAccounts, res.Merged, res.NewSignals, res.Contacts)
	return nil
}

// readSource reads a file, or fetches an http(s) URL with a timeout and a size cap.
func readSource(ctx context.Context, src string) ([]byte, error) {
	if !strings.HasPrefix(src, "http://") && !strings.HasPrefix(src, "https://") {
		data, err := os.ReadFile(src)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", src, err)
		}
		return data, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, src, nil)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", src, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", src, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch %s: %s", src, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", src, err)
	}
	return data, nil
}

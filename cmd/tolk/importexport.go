package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/amal-kommun/tolk/internal/pgstore"
)

// dbFlags are the flags of import and export: the database, the site in
// it and the content directory.
type dbFlags struct {
	database, site, content string
}

// parseDBFlags reads the flags of import or export, each falling back to its
// TOLK_* variable as config.Parse does for the other commands (the flag
// wins). The database URL may hold a password: its environment variable
// keeps it out of the process list.
func parseDBFlags(cmd string, args []string, getenv func(string) string, stderr io.Writer) (dbFlags, error) {
	var f dbFlags
	fs := flag.NewFlagSet("tolk "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	str := func(p *string, name, env, def, usage string) {
		if v := getenv(env); v != "" {
			def = v
		}
		fs.StringVar(p, name, def, fmt.Sprintf("%s (env %s)", usage, env))
	}
	str(&f.database, "database", "TOLK_DATABASE_URL", "", "PostgreSQL URL, such as postgres://tolk@db.example/tolk (required; prefer the environment variable for a password)")
	str(&f.site, "site", "TOLK_SITE", pgstore.DefaultSite, "site in the database")
	if cmd == "import" {
		str(&f.content, "content", "TOLK_CONTENT", "", "content directory to import; empty imports the embedded corpus")
	} else {
		str(&f.content, "content", "TOLK_CONTENT", "", "directory to write the content tree into (required); version files the site lacks are removed from it, other files are kept")
	}
	if err := fs.Parse(args); err != nil {
		return f, err
	}
	var errs []error
	if fs.NArg() > 0 {
		errs = append(errs, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " ")))
	}
	if f.database == "" {
		errs = append(errs, errors.New("--database (or TOLK_DATABASE_URL) is required"))
	}
	if cmd == "export" && f.content == "" {
		errs = append(errs, errors.New("--content is required: the directory to export into"))
	}
	return f, errors.Join(errs...)
}

// importContent validates a content tree as check does and makes the
// database's site hold exactly it, in one transaction.
func importContent(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	f, err := parseDBFlags("import", args, getenv, stderr)
	if err != nil {
		return flagErr(err)
	}
	fsys, name, err := contentFS(f.content)
	if err != nil {
		return err
	}
	st, err := pgstore.Open(ctx, f.database, pgstore.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	res, problems, err := st.Import(ctx, f.site, fsys)
	if err != nil {
		return err
	}
	for _, p := range problems {
		if f.content != "" {
			p.Path = f.content + string(os.PathSeparator) + p.Path
		}
		fmt.Fprintln(stdout, p)
	}
	if len(problems) > 0 {
		fmt.Fprintf(stderr, "%s: %d problem(s); nothing imported\n", name, len(problems))
		return errReported
	}
	fmt.Fprintf(stdout, "%s → site %s: %d versions, %d written, %d deleted, site.yaml %s, %d changes logged (revision %d, head %d)\n",
		name, f.site, res.Versions, res.Written, res.Deleted, map[bool]string{true: "written", false: "unchanged"}[res.SiteChanged],
		res.Logged, res.Rev, res.Head)
	return nil
}

// exportContent writes the database's site as a content tree.
func exportContent(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	f, err := parseDBFlags("export", args, getenv, stderr)
	if err != nil {
		return flagErr(err)
	}
	st, err := pgstore.Open(ctx, f.database, pgstore.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	n, err := st.Export(ctx, f.site, f.content)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "site %s → %s: %d versions\n", f.site, f.content, n)
	return nil
}

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, errReported) {
			fmt.Fprintln(os.Stderr, "tolk:", err)
		}
		os.Exit(1)
	}
}

// errReported is returned when the failure has already been printed, as by
// check listing problems, so main only sets the exit status.
var errReported = errors.New("reported")

// version is stamped at build time with -ldflags "-X main.version=...".
var version = "dev"

const usage = `tolk serves multilingual articles over HTTP.

Usage:
  tolk serve [flags]         serve the API (the embedded corpus unless --content)
  tolk check [--content DIR] validate a content tree; print problems and coverage
  tolk index --index DIR     build the persistent search index offline
  tolk import --database URL [--content DIR]
                             validate a content tree and make the database hold it
  tolk export --database URL --content DIR
                             write the database's content as a content tree (a backup)
  tolk healthcheck [--url U] exit 0 when a running server is ready
  tolk version               print the version

Run "tolk <command> -h" for the flags of a command. Every flag can also be
set with its TOLK_* environment variable; the flag wins.
`

// run is the whole program: it dispatches to a subcommand and returns its
// error. It reads the environment only through getenv and writes only to
// stdout and stderr, so tests call it directly.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return serve(ctx, rest, getenv, stdout, stderr)
	case "check":
		return check(ctx, rest, getenv, stdout, stderr)
	case "index":
		return buildIndex(ctx, rest, getenv, stdout, stderr)
	case "healthcheck":
		return healthcheck(ctx, rest, getenv, stdout, stderr)
	case "import":
		return importContent(ctx, rest, getenv, stdout, stderr)
	case "export":
		return exportContent(ctx, rest, getenv, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "tolk", version)
		return nil
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

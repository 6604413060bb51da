package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// process is a child process that tolkbench started and must stop.
type process struct {
	name string
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
	err  error         // its exit status, once done is closed
}

// startProcess starts name with args, its output going to stderr.
func startProcess(name string, args []string, stderr io.Writer) (*process, error) {
	return startProcessWith(name, args, nil, stderr)
}

// startProcessWith is startProcess with the environment env (nil: this
// process's).
func startProcessWith(name string, args, env []string, stderr io.Writer) (*process, error) {
	cmd := exec.Command(name, args...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = stderr, stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &process{name: name, cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// pid returns the process id.
func (p *process) pid() int { return p.cmd.Process.Pid }

// exited returns an error when the process has ended, and nil while it
// runs.
func (p *process) exited() error {
	select {
	case <-p.done:
		return fmt.Errorf("%s exited: %v", p.name, p.err)
	default:
		return nil
	}
}

// stop asks the process to end with SIGTERM and kills it when it has not
// ended after a few seconds. It is safe to call more than once.
func (p *process) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
}

// dropLines is a writer that passes on whole lines of output except those
// containing drop: tolk logs every /readyz poll, and tolkbench polls it
// every few milliseconds while the server starts.
type dropLines struct {
	w       io.Writer
	drop    []byte
	partial []byte
}

func (d *dropLines) Write(p []byte) (int, error) {
	d.partial = append(d.partial, p...)
	for {
		i := bytes.IndexByte(d.partial, '\n')
		if i < 0 {
			break
		}
		line := d.partial[:i+1]
		if !bytes.Contains(line, d.drop) {
			if _, err := d.w.Write(line); err != nil {
				return 0, err
			}
		}
		d.partial = d.partial[i+1:]
	}
	d.partial = append([]byte(nil), d.partial...) // let the written lines go
	return len(p), nil
}

// freeAddr returns a loopback address with a port that was free a moment
// ago.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr, nil
}

// waitReady polls url until it answers 200, the process exits or timeout
// passes.
func waitReady(ctx context.Context, p *process, url string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	client := &http.Client{Timeout: time.Second}
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		if resp, err := client.Do(req); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s not ready after %s: %w", url, timeout, ctx.Err())
		case <-p.done:
			return fmt.Errorf("%s exited before it was ready: %v", p.name, p.err)
		case <-tick.C:
		}
	}
}

// residentKiB returns the resident set size of process pid (VmRSS) in KiB.
// It reads /proc, so it works on Linux only.
func residentKiB(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("resident memory: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:")
		if !ok {
			continue
		}
		f := strings.Fields(rest) // "123456 kB"
		if len(f) != 2 || f[1] != "kB" {
			return 0, fmt.Errorf("resident memory: unexpected VmRSS line %q", sc.Text())
		}
		return strconv.ParseInt(f[0], 10, 64)
	}
	return 0, errors.New("resident memory: no VmRSS line")
}

// buildTolk compiles the tolk command into dir and returns the binary's
// path. It runs the go command in the current directory, which must be
// inside the module (as with go run ./cmd/tolkbench).
func buildTolk(ctx context.Context, dir string) (string, error) {
	bin := dir + string(os.PathSeparator) + "tolk"
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/amal-kommun/tolk/cmd/tolk")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build ./cmd/tolk: %w\n%s", err, out)
	}
	return bin, nil
}

var indexedRE = regexp.MustCompile(`indexed (\d+) versions`)

// indexStats is what building the index measured.
type indexStats struct {
	versions int
	took     time.Duration
}

// rate returns versions indexed per second of wall time.
func (s indexStats) rate() float64 {
	if s.took <= 0 {
		return 0
	}
	return float64(s.versions) / s.took.Seconds()
}

// runIndex runs tolk index on content into indexDir and measures it: the
// wall time of the whole command, loading the tree included.
func runIndex(ctx context.Context, tolk, content, indexDir string) (indexStats, error) {
	if err := os.RemoveAll(indexDir); err != nil {
		return indexStats{}, fmt.Errorf("index: %w", err)
	}
	cmd := exec.CommandContext(ctx, tolk, "index", "--content", content, "--index", indexDir)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	took := time.Since(start)
	if err != nil {
		return indexStats{}, fmt.Errorf("tolk index: %w\n%s", err, out.Bytes())
	}
	m := indexedRE.FindSubmatch(out.Bytes())
	if m == nil {
		return indexStats{}, fmt.Errorf("tolk index: no version count in its output %q", out.Bytes())
	}
	n, _ := strconv.Atoi(string(m[1]))
	return indexStats{versions: n, took: took}, nil
}

// fetch GETs url with the given headers and returns the response with its
// whole body.
func fetch(ctx context.Context, url string, header ...string) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, nil, err
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableCompression: true}}
	resp, err := client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, fmt.Errorf("GET %s: %w", url, err)
	}
	return resp, body, nil
}

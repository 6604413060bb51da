package store

import (
	"context"
	"fmt"
	"slices"

	"github.com/amal-kommun/tolk/internal/article"
	"github.com/amal-kommun/tolk/internal/load"
)

// report applies d, reported by the backend's Watch.
func (s *Store) report(d Delta) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed && s.gen != nil {
		s.applyDelta(s.bg, d)
	}
}

// defaultMaxDeleteShare is the share of the versions a re-scan may delete
// at once when Options.MaxDeleteShare is 0.
const defaultMaxDeleteShare = 0.5

// massDelete returns why g must not replace old, or "": a re-scan that
// would delete more than Options.MaxDeleteShare of old's versions at once
// (and more than one) looks like a failed mount or a bad deploy, not an
// editor's work.
func (s *Store) massDelete(old, g *generation) string {
	share := s.opts.MaxDeleteShare
	if share == 0 {
		share = defaultMaxDeleteShare
	}
	total := len(old.lib.All())
	if share >= 1 || total == 0 {
		return ""
	}
	gone := 0
	for _, c := range g.changesFrom(old) {
		if c.nv == nil {
			gone++
		}
	}
	if gone < 2 || float64(gone) <= share*float64(total) {
		return ""
	}
	return fmt.Sprintf("held: a re-scan would delete %d of the %d versions at once (more than %.0f%%); "+
		"still serving the last good content, and writes are refused, until the tree looks complete again or the server restarts",
		gone, total, share*100)
}

// hold keeps serving the current generation instead of what the tree now
// holds, and reports reason as a problem of the articles folder until a
// re-scan finds the tree sane again; writes are refused meanwhile. The
// caller holds s.mu.
func (s *Store) hold(reason string) {
	if s.gen == nil || s.holding == reason {
		return
	}
	s.holding = reason
	s.log.Error("content tree held; nothing is deleted, journaled or sent", "reason", reason)
	g := *s.gen
	g.problems = append(slices.Clone(s.gen.problems), article.Problem{Path: load.ArticlesDir, Message: reason})
	load.SortProblems(g.problems)
	s.publish(&g)
}

// logNew logs the problems of now that were not in before.
func (s *Store) logNew(before, now []article.Problem) {
	had := make(map[problemID]bool, len(before))
	for _, p := range before {
		had[problemID{p.Path, p.Message}] = true
	}
	for _, p := range now {
		if !had[problemID{p.Path, p.Message}] {
			s.log.Warn("content problem; the last good version stays served", "problem", p.String())
		}
	}
}

// Watch keeps the Store in step with the changes made outside it (files
// edited on disk, other replicas' commits) until ctx is done, then returns
// nil: it applies what the backend's Watch reports. The error is for a
// watch that cannot start at all.
func (s *Store) Watch(ctx context.Context) error {
	return s.backend.Watch(ctx, s.report)
}

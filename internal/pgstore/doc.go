// Package pgstore keeps Tolk's content in PostgreSQL: each site's version
// files in canonical form, its site.yaml, and its change log, so that any
// number of replicas can serve and write the same content.
//
// Its main rule: a site's row is the lock. Every write transaction takes the
// site row with SELECT … FOR UPDATE, so writes of one site are serialized in
// commit order; the revision (one a commit) and the change log's sequence
// (one an entry) are taken from that row, never from a sequence object, so
// both have no gaps and follow commit order. A NOTIFY in the same commit
// only wakes replicas up: they read what they missed from the tables, and a
// periodic poll covers notifications lost with a connection.
//
// The package stores and serializes; it does not decide. Validating a
// change against the content it must fit (slug clashes, If-Match) is the
// caller's, done inside Update's function against the changes Update hands
// it, so that the check and the write see the same state.
//
// The parts, in the order a replica uses them: Open connects and applies
// the embedded migrations (under an advisory lock); Backend is one site as
// the content core's store.Backend (Load, Update, Watch over Listen);
// Import and Export move a content tree in and out (tolk import, tolk
// export); Lead and Relay elect the one replica that sends webhooks, with
// each receiver's position in the database and a DeliveryID that is the
// same on a redelivery.
//
// Its tables live in the schema the connection's search_path selects first
// (PostgreSQL's default: public); advisory lock keys include that schema, so
// two installations in one database do not contend.
package pgstore

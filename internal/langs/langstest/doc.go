// Package langstest reads the negotiation tables that translators review,
// such as internal/langs/testdata/negotiate.txt, for the tests of langs and
// of the HTTP API, which run the same table through the negotiator and
// through the real router.
//
// Its main rule: only tests import it, so the table's parser is never
// compiled into the server.
package langstest

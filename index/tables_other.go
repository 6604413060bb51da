//go:build !unix

package index

import "os"

// openTablesData reads the file at path into memory.
func openTablesData(path string) (*tablesData, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return &tablesData{b: b}, nil
}

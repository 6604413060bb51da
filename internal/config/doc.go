// Package config reads Tolk's configuration from command-line flags with
// TOLK_* environment variables as fallbacks: a flag beats the environment,
// which beats the default. The result is a plain value passed to whatever
// needs it; there is no global configuration.
package config

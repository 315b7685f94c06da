//go:build race

package faults

func init() { buildFlags = append(buildFlags, "-race") }

package seed

import _ "embed"

// Adopters is a snapshot of the public Backstage ADOPTERS.md (commit 0034d8d750ac of
// backstage/backstage, 204 organizations), imported into a fresh store so the bot knows every
// public adopter from its first start. `outreachbot import adopters` brings in newer lists.
//
//go:embed ADOPTERS.md
var Adopters []byte

// AdoptersRevision names the commit the embedded snapshot was taken from.
const AdoptersRevision = "0034d8d750ac6977c329d78a1b6f92efae942d5d"

/* bundle.h - sneakernet bundles' RPC methods (bundle.c; docs/design.md, "Sync", "Bundles"). */
#ifndef KD_BUNDLE_H
#define KD_BUNDLE_H

#include "server.h"

int kd_m_sync_bundle_export(kd_req *req, msgpack_packer *pk);
int kd_m_sync_bundle_import(kd_req *req, msgpack_packer *pk);
int kd_m_sync_bundle_fetch(kd_req *req, msgpack_packer *pk);
/*
 * At a hub: the last bundle of school npsn imported here (its receipt):
 * when, and the records it carried (stored, present, held and refused);
 * KN_ENOTFOUND when none was.
 */
int kd_bundle_last_import(kd_server *srv, const char *npsn, uint64_t *at_ms, uint64_t *records);

#endif

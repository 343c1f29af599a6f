/* bundle.h - sneakernet bundles' RPC methods (bundle.c; docs/design.md, "Sync", "Bundles"). */
#ifndef KD_BUNDLE_H
#define KD_BUNDLE_H

#include "server.h"

int kd_m_sync_bundle_export(kd_req *req, msgpack_packer *pk);
int kd_m_sync_bundle_import(kd_req *req, msgpack_packer *pk);
int kd_m_sync_bundle_fetch(kd_req *req, msgpack_packer *pk);

#endif

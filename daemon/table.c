/*
 * table.c - every RPC method of kinerjad, who may call it, and which
 * domain/ predicate decides. The dispatcher (server.c) refuses a method
 * that is not here. docs/design.md shows this table; keep them in step.
 */
#include <string.h>

#include "bundle.h"
#include "methods.h"
#include "sync.h"

const kd_method kd_method_table[] = {
	/* name                      fn                               access     gate                          decides per object */
	{ "status",                  kd_m_status,                     KD_OPEN,   NULL,                         "" },
	{ "school.init",             kd_m_school_init,                KD_INIT,   NULL,                         "domain_user_may_write" },
	{ "session.login",           kd_m_session_login,              KD_OPEN,   NULL,                         "domain_may_use" },
	{ "session.logout",          kd_m_session_logout,             KD_TOKEN,  NULL,                         "" },
	{ "session.info",            kd_m_session_info,               KD_TOKEN,  NULL,                         "" },
	{ "session.passwd",          kd_m_session_passwd,             KD_TOKEN,  NULL,                         "own key only" },
	{ "user.add",                kd_m_user_add,                   KD_MEMBER, domain_may_administer,        "domain_user_may_write" },
	{ "user.list",               kd_m_user_list,                  KD_MEMBER, domain_may_list_people,       "" },
	{ "user.reset_passphrase",   kd_m_user_reset_passphrase,      KD_MEMBER, domain_may_administer,        "" },
	{ "user.unlock",             kd_m_user_unlock,                KD_MEMBER, domain_may_administer,        "" },
	{ "user.edit",               kd_m_user_edit,                  KD_MEMBER, domain_may_administer,        "domain_user_may_write (domain_record_accept)" },
	{ "eligibility.show",        kd_m_eligibility_show,           KD_MEMBER, domain_may_use,               "domain_eligibility_may_read" },
	{ "identity.show",           kd_m_identity_show,              KD_MEMBER, domain_may_plan,              "own identity only" },
	{ "identity.confirm",        kd_m_identity_confirm,           KD_MEMBER, domain_may_plan,              "own only; domain_identity_decide (domain_identity_accept)" },
	{ "record.get",              kd_m_record_get,                 KD_MEMBER, domain_may_use,               "domain_record_may_read" },
	{ "record.history",          kd_m_record_history,             KD_MEMBER, domain_may_use,               "domain_record_may_read" },
	{ "record.export",           kd_m_record_export,              KD_MEMBER, domain_may_use,               "domain_record_may_read (the operator: every record)" },
	{ "record.import",           kd_m_record_import,              KD_MEMBER, domain_may_administer,        "domain_record_accept" },
	{ "catalog.add",             kd_m_catalog_add,                KD_MEMBER, domain_may_administer,        "domain_record_accept" },
	{ "catalog.show",            kd_m_catalog_show,               KD_MEMBER, domain_may_use,               "" },
	{ "catalog.list",            kd_m_catalog_list,               KD_MEMBER, domain_may_use,               "" },
	{ "evidence.upload.begin",   kd_m_evidence_upload_begin,      KD_MEMBER, domain_may_keep_evidence,     "domain_evidence_may_write" },
	{ "evidence.upload.chunk",   kd_m_evidence_upload_chunk,      KD_MEMBER, domain_may_keep_evidence,     "owner of the upload" },
	{ "evidence.upload.status",  kd_m_evidence_upload_status,     KD_MEMBER, domain_may_keep_evidence,     "owner of the upload" },
	{ "evidence.upload.cancel",  kd_m_evidence_upload_cancel,     KD_MEMBER, domain_may_keep_evidence,     "owner of the upload" },
	{ "evidence.upload.finish",  kd_m_evidence_upload_finish,     KD_MEMBER, domain_may_keep_evidence,     "domain_evidence_may_write" },
	{ "evidence.submit",         kd_m_evidence_submit,            KD_MEMBER, domain_may_keep_evidence,     "domain_evidence_may_write" },
	{ "evidence.list",           kd_m_evidence_list,              KD_MEMBER, domain_may_use,               "domain_person_may_read" },
	{ "evidence.history",        kd_m_evidence_history,           KD_MEMBER, domain_may_use,               "domain_person_may_read" },
	{ "evidence.read",           kd_m_evidence_read,              KD_MEMBER, domain_may_use,               "domain_person_may_read" },
	{ "evidence.verify",         kd_m_evidence_verify,            KD_MEMBER, domain_may_check_repository,  "" },
	{ "period.open",             kd_m_period_open,                KD_MEMBER, domain_may_open_periods,      "domain_record_accept (domain_period_may_open)" },
	{ "dinas.period_open",       kd_m_dinas_period_open,          KD_MEMBER, domain_may_act_for_dinas,     "domain_record_accept (authority of the school record)" },
	{ "dinas.assign",            kd_m_dinas_assign,               KD_MEMBER, domain_may_act_for_dinas,     "domain_assignment_accept" },
	{ "sync.acts",               kd_m_sync_acts,                  KD_MEMBER, domain_may_use,               "own records only (the caller's key)" },
	{ "assignment.list",         kd_m_assignment_list,            KD_MEMBER, domain_may_use,               "" },
	{ "period.show",             kd_m_period_show,                KD_MEMBER, domain_may_use,               "" },
	{ "plan.save",               kd_m_plan_save,                  KD_MEMBER, domain_may_plan,              "domain_skp_decide (owner only)" },
	{ "plan.submit",             kd_m_plan_submit,                KD_MEMBER, domain_may_plan,              "domain_skp_decide (owner only; domain_plan_check)" },
	{ "plan.approve",            kd_m_plan_approve,               KD_MEMBER, domain_may_judge_plans,       "domain_plan_may_read, domain_skp_decide (atasan)" },
	{ "plan.return",             kd_m_plan_return,                KD_MEMBER, domain_may_judge_plans,       "domain_plan_may_read, domain_skp_decide (atasan)" },
	{ "plan.agree",              kd_m_plan_agree,                 KD_MEMBER, domain_may_plan,              "domain_skp_decide (owner only)" },
	{ "plan.reopen",             kd_m_plan_reopen,                KD_MEMBER, domain_may_judge_plans,       "domain_plan_may_read, domain_skp_decide (atasan)" },
	{ "plan.show",               kd_m_plan_show,                  KD_MEMBER, domain_may_read_plans,        "domain_plan_may_read" },
	{ "plan.inbox",              kd_m_plan_inbox,                 KD_MEMBER, domain_may_judge_plans,       "domain_atasan_resolve (teachers whose atasan is the caller)" },
	{ "plan.tasks",              kd_m_plan_tasks,                 KD_MEMBER, domain_may_read_plans,        "own plan; domain_atasan_resolve" },
	{ "sync.status",             kd_m_sync_status,                KD_MEMBER, domain_may_use,               "" },
	{ "sync.now",                kd_m_sync_now,                   KD_MEMBER, domain_may_use,               "" },
	{ "sync.bundle_export",      kd_m_sync_bundle_export,         KD_MEMBER, domain_may_carry_bundles,     "at a school domain_may_administer; a hub: registered schools only" },
	{ "sync.bundle_fetch",       kd_m_sync_bundle_fetch,          KD_MEMBER, domain_may_carry_bundles,     "the session that asked for the export" },
	{ "sync.bundle_import",      kd_m_sync_bundle_import,         KD_MEMBER, domain_may_carry_bundles,     "at a school domain_may_administer; signature of the registered device or the hub; scope; domain_record_accept" },
	{ "hub.register",            kd_m_hub_register,               KD_MEMBER, domain_may_act_for_dinas,     "domain_registration_accept; one device, one school" },
	{ "hub.register_child",      kd_m_hub_register_child,         KD_MEMBER, domain_may_act_for_dinas,     "domain_registration_accept; one device, one school" },
	{ "hub.revoke",              kd_m_hub_revoke,                 KD_MEMBER, domain_may_act_for_dinas,     "domain_registration_accept" },
	{ "hub.schools",             kd_m_hub_schools,                KD_MEMBER, domain_may_act_for_dinas,     "" },
	{ NULL, NULL, 0, NULL, NULL },
};

const kd_method *
kd_method_find(const char *name, size_t len)
{
	for (const kd_method *m = kd_method_table; m->name; m++)
		if (strlen(m->name) == len && memcmp(m->name, name, len) == 0)
			return m;
	return NULL;
}

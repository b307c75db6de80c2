/* test_policy_conformance: the acceptance table of the policy engine.
 * Each case is a policy (written into a fresh temporary policy
 * directory, with extra files: includes, a second policy directory,
 * legacy 4.0 files), a request, and what must come out: the verdict; for
 * allow the target, user, autostart and notify; for ask the exact sorted
 * candidate list and the default target; for deny the notify flag and
 * the reason; for a broken policy the exact load error; optionally the
 * deciding rule (line and rule_format text), the user's answer to an ask,
 * the daemon reply of pol_format_allow, and the non-interactive
 * pol_decide reply.
 *
 * The expected values are what upstream's Python (qrexec.policy.parser,
 * FilePolicy over the same files, with the system info of its test
 * suite) does, checked by running it. Where bulkhead deliberately
 * differs (see policy/policy.h, parser.h, eval.h) the case asserts our
 * behaviour and says "differs from upstream". Case ids "5.3#N" are the
 * rows of section 5.3 of the research notes (policy-language.md); "ran-"
 * are the extra [ran] cases listed after that table.
 *
 * One difference applies to every .rule text: upstream's str(rule) prints
 * "None" for the service "*"; rule_format prints "*" so that the text
 * reads back as the same rule.
 *
 * Placeholders in texts: @D@ the first policy directory (like
 * /run/qubes/policy.d), @E@ the second (like /etc/qubes/policy.d), @L@
 * the legacy directory, @R@ the temporary root holding all three. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy/eval.h"
#include "policy/policy.h"
#include "policy/sysinfo.h"

enum xv { XV_NONE, XV_ALLOW, XV_DENY, XV_ASK, XV_LOADERR };
#define NO 1
#define YES 2
#define D_RUN 1
#define D_JE 2
#define D_AY 4

/* A file to create under the temporary root: content, or a directory
 * (content and link NULL), or a symbolic link to `link`. */
struct tfile {
	const char *path;
	const char *content;
	const char *link;
};

struct ccase {
	const char *id;
	const char *pol;            /* d/10-test.policy, or NULL for none */
	const struct tfile *files;  /* more files, ended by a NULL path */
	const char *svc, *arg;      /* NULL: test.Service, +argument */
	const char *src, *tgt, *rsrc;
	const char *si;             /* system info JSON; NULL: the fixture */
	const char *rmdirs;         /* directories to remove: d, e and/or l */
	enum xv xv;
	const char *target;         /* allow */
	const char *user;           /* allow/ask; NULL: DEFAULT */
	int autostart, notify;      /* YES/NO; 0: not checked */
	unsigned line;              /* line of the deciding rule; 0: not checked */
	const char *cands, *deflt;  /* ask */
	const char *msg;            /* deny reason or load error */
	const char *rule;           /* rule_format of the deciding rule */
	const char *answer;         /* the user's choice; "-" for no */
	enum xv after;              /* verdict after the answer */
	const char *atarget;
	int anotify;
	const char *amsg;
	const char *reply;          /* pol_format_allow; "!reason" if it denies */
	int decide;                 /* D_RUN [| D_JE] [| D_AY]: pol_decide */
	const char *decided;
};

/* The system info of upstream's test suite (_SYSTEM_INFO of
 * qrexec/tests/policy/parser.py), as qubesd would send it. */
static const char fixture_json[] =
	"{\"domains\": {\n"
	" \"dom0\": {\"tags\": [\"dom0-tag\"], \"type\": \"AdminVM\", \"default_dispvm\": \"default-dvm\", \"template_for_dispvms\": false, \"power_state\": \"Running\", \"uuid\": \"00000000-0000-0000-0000-000000000000\"},\n"
	" \"test-vm1\": {\"tags\": [\"tag1\", \"tag2\"], \"type\": \"AppVM\", \"default_dispvm\": \"default-dvm\", \"template_for_dispvms\": false, \"power_state\": \"Running\", \"uuid\": \"c9024a97-9b15-46cc-8341-38d75d5d421b\"},\n"
	" \"test-vm2\": {\"tags\": [\"tag2\"], \"type\": \"AppVM\", \"default_dispvm\": \"default-dvm\", \"template_for_dispvms\": false, \"power_state\": \"Running\", \"uuid\": \"b3eb69d0-f9d9-4c3c-ad5c-454500303ea4\"},\n"
	" \"test-vm3\": {\"tags\": [\"tag3\"], \"type\": \"AppVM\", \"default_dispvm\": \"default-dvm\", \"template_for_dispvms\": true, \"power_state\": \"Halted\", \"uuid\": \"fa6d56e8-a89d-4106-aa62-22e172a43c8b\"},\n"
	" \"test-vm4\": {\"tags\": [], \"type\": \"AppVM\", \"default_dispvm\": \"default-dvm\", \"template_for_dispvms\": true, \"power_state\": \"Halted\", \"uuid\": \"91e4fe8d-083b-4ddf-ad7b-fb4ebac537b9\"},\n"
	" \"default-dvm\": {\"tags\": [], \"type\": \"AppVM\", \"default_dispvm\": \"default-dvm\", \"template_for_dispvms\": true, \"power_state\": \"Halted\", \"uuid\": \"f3e538bd-4427-4697-bed7-45ef3270df21\"},\n"
	" \"default-mgmt-dvm\": {\"internal\": true, \"tags\": [], \"type\": \"AppVM\", \"default_dispvm\": \"default-dvm\", \"template_for_dispvms\": true, \"power_state\": \"Halted\", \"uuid\": \"f3e538bd-4427-4697-bed7-45ef3270df22\"},\n"
	" \"internal-vm\": {\"internal\": true, \"tags\": [], \"type\": \"AppVM\", \"default_dispvm\": \"default-dvm\", \"template_for_dispvms\": false, \"power_state\": \"Halted\", \"uuid\": \"f3e538bd-4427-4697-bed7-45ef3270df23\"},\n"
	" \"test-invalid-dvm\": {\"tags\": [\"tag1\", \"tag2\"], \"type\": \"AppVM\", \"default_dispvm\": \"test-vm1\", \"template_for_dispvms\": false, \"power_state\": \"Halted\", \"uuid\": \"c4fa3586-a6b6-4dc4-bdda-c9e7375a12b5\"},\n"
	" \"test-no-dvm\": {\"tags\": [\"tag1\", \"tag2\"], \"type\": \"AppVM\", \"default_dispvm\": null, \"template_for_dispvms\": false, \"power_state\": \"Halted\", \"uuid\": \"53a450b9-a454-4416-8adb-46812257ad29\"},\n"
	" \"test-template\": {\"tags\": [\"tag1\", \"tag2\"], \"type\": \"TemplateVM\", \"default_dispvm\": \"default-dvm\", \"template_for_dispvms\": false, \"power_state\": \"Halted\", \"uuid\": \"a9fe2b04-9fd5-4e95-be20-162433d64de0\"},\n"
	" \"test-standalone\": {\"tags\": [\"tag1\", \"tag2\"], \"type\": \"StandaloneVM\", \"default_dispvm\": \"default-dvm\", \"template_for_dispvms\": false, \"power_state\": \"Halted\", \"uuid\": \"6d7a02b5-532b-467f-b9fb-6596bae03c33\"},\n"
	" \"test-remotevm1\": {\"tags\": [\"relayvm-test-relayvm1\"], \"relayvm\": \"test-relayvm1\", \"transport_rpc\": \"qubesair.SSHProxy\", \"type\": \"RemoteVM\", \"template_for_dispvms\": false, \"power_state\": \"Running\", \"uuid\": \"3d225b39-88e9-4696-8978-b27c1360e041\"},\n"
	" \"test-relayvm1\": {\"tags\": [], \"type\": \"AppVM\", \"default_dispvm\": null, \"template_for_dispvms\": false, \"power_state\": \"Running\", \"uuid\": \"355304b8-bd5e-4699-9a2b-b6864fc26f6b\"},\n"
	" \"test2-remotevm1\": {\"tags\": [\"relayvm-test2-relayvm1\"], \"type\": \"RemoteVM\", \"relayvm\": \"test2-relayvm1\", \"default_dispvm\": null, \"template_for_dispvms\": false, \"power_state\": \"Running\", \"uuid\": \"c7825251-1bb2-4070-aec9-3a8dd13befbf\"},\n"
	" \"test2-remotevm2\": {\"tags\": [\"relayvm-test2-relayvm2\"], \"type\": \"RemoteVM\", \"relayvm\": \"test2-relayvm2\", \"transport_rpc\": \"qubesair.SSHProxy\", \"template_for_dispvms\": false, \"power_state\": \"Running\", \"uuid\": \"6cd84a95-4336-445f-b125-6ecca1a40353\"},\n"
	" \"test2-vm1\": {\"tags\": [], \"type\": \"AppVM\", \"default_dispvm\": null, \"template_for_dispvms\": false, \"power_state\": \"Running\", \"uuid\": \"c798d6db-360f-473a-b902-1cc58ffd3ab0\"},\n"
	" \"test2-relayvm1\": {\"tags\": [], \"type\": \"AppVM\", \"default_dispvm\": null, \"template_for_dispvms\": false, \"power_state\": \"Running\", \"uuid\": \"41435947-21f8-41d9-9079-26df31f03d97\"},\n"
	" \"test2-relayvm2\": {\"tags\": [], \"type\": \"AppVM\", \"default_dispvm\": null, \"template_for_dispvms\": false, \"power_state\": \"Running\", \"uuid\": \"044767bb-081e-4260-b7be-35e77c36d510\"}\n"
	"}}\n";

/* A small system info for the cases that need other qubes: a default_dispvm
 * naming no qube, values of `internal`, a RemoteVM without relayvm. */
static const char si_small[] =
	"{\"domains\": {\"dom0\": {\"tags\": [], \"type\": \"AdminVM\", \"default_dispvm\": null, \"template_for_dispvms\": false, \"power_state\": \"Running\", \"uuid\": \"00000000-0000-0000-0000-000000000000\"},"
	"\"vm-a\": {\"tags\": [], \"type\": \"AppVM\", \"default_dispvm\": \"gone\", \"template_for_dispvms\": false, \"power_state\": \"Running\", \"uuid\": \"11111111-0000-0000-0000-000000000001\"},"
	"\"vm-b\": {\"tags\": [], \"type\": \"AppVM\", \"default_dispvm\": null, \"template_for_dispvms\": false, \"power_state\": \"Running\", \"uuid\": \"11111111-0000-0000-0000-000000000002\", \"internal\": \"\"},"
	"\"vm-c\": {\"tags\": [], \"type\": \"AppVM\", \"default_dispvm\": null, \"template_for_dispvms\": false, \"power_state\": \"Running\", \"uuid\": \"11111111-0000-0000-0000-000000000003\", \"internal\": \"1\"},"
	"\"vm-d\": {\"tags\": [], \"type\": \"AppVM\", \"default_dispvm\": null, \"template_for_dispvms\": false, \"power_state\": \"Running\", \"uuid\": \"11111111-0000-0000-0000-000000000004\", \"internal\": 0},"
	"\"vm-e\": {\"tags\": [], \"type\": \"AppVM\", \"default_dispvm\": null, \"template_for_dispvms\": false, \"power_state\": \"Running\", \"uuid\": \"11111111-0000-0000-0000-000000000005\", \"internal\": null},"
	"\"dvm\": {\"tags\": [\"t\"], \"type\": \"AppVM\", \"default_dispvm\": null, \"template_for_dispvms\": true, \"power_state\": \"Halted\", \"uuid\": \"11111111-0000-0000-0000-000000000006\", \"internal\": \"yes\"},"
	"\"remote-x\": {\"tags\": [], \"type\": \"RemoteVM\", \"relayvm\": null, \"transport_rpc\": \"qubesair.SSHProxy\", \"template_for_dispvms\": false, \"power_state\": \"Running\", \"uuid\": \"11111111-0000-0000-0000-000000000007\"}}}";


/* Policies shared by several cases: TC_40's setUp policy and the
 * policies of TC_20 test_010 and test_020 (test_020's behind an ask rule
 * that matches every X -> @default and adds no candidate of its own, so
 * that the collected candidates can be observed). */
#define POL_TC40 \
	"* * test-vm1 test-vm2 allow\n" \
	"* * test-vm1 @default allow target=test-vm2\n" \
	"* * @tag:tag1 test-vm2 ask\n" \
	"* * @tag:tag1 test-vm3 ask default_target=test-vm3\n" \
	"* * @tag:tag2 @anyvm allow\n" \
	"* * test-vm3 @anyvm deny\n"
#define POL_TC20_010 \
	"* * test-vm1 test-vm2 allow\n" \
	"* * test-vm1 @anyvm ask\n" \
	"* * test-vm2 @tag:tag1 deny\n" \
	"* * test-vm2 @tag:tag2 allow\n" \
	"* * test-vm2 @dispvm:@tag:tag3 allow\n" \
	"* * test-vm2 @dispvm:@tag:tag2 allow\n" \
	"* * test-vm2 @dispvm:default-dvm allow\n" \
	"* * @type:AppVM @default allow target=test-vm3\n" \
	"* * @tag:tag1 @type:AppVM allow\n"
#define POL_TC20_020 \
	"* * @anyvm @default ask\n" \
	"* * test-vm1 test-vm2 allow\n" \
	"* * test-vm1 @anyvm ask\n" \
	"* * test-vm2 @tag:tag1 deny\n" \
	"* * test-vm2 @tag:tag2 allow\n" \
	"* * test-no-dvm @type:AppVM deny\n" \
	"* * @type:AppVM @default allow target=test-vm3\n" \
	"* * @tag:tag1 @type:AppVM allow\n" \
	"* * test-no-dvm @dispvm allow\n" \
	"* * test-standalone @dispvm allow\n" \
	"* * test-standalone @adminvm allow\n" \
	"* * uuid:c9024a97-9b15-46cc-8341-38d75d5d421b bogus2 deny\n" \
	"* * uuid:c798d6db-360f-473a-b902-1cc58ffd3ab0 uuid:6d7a02b5-532b-467f-b9fb-6596bae03c33 ask\n" \
	"* * test2-vm1 @dispvm:uuid:91e4fe8d-083b-4ddf-ad7b-fb4ebac537b9 ask\n"

static const struct ccase cases[] = {
	/* 5.3 #1 and #28: allow, and the daemon reply */
	{.id = "5.3#1",
	 .pol = "* * test-vm1 test-vm2 allow\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_ALLOW, .target = "test-vm2", .autostart = YES, .notify = NO, .line = 1,
	 .rule = "*\t*\ttest-vm1\ttest-vm2\tallow",
	 .reply = "user=DEFAULT\n"
	          "result=allow\n"
	          "target=test-vm2\n"
	          "target_uuid=uuid:b3eb69d0-f9d9-4c3c-ad5c-454500303ea4\n"
	          "autostart=True\n"
	          "requested_target=test-vm2"},
	/* 5.3 #2: no rule matches */
	{.id = "5.3#2",
	 .pol = "* * test-vm1 test-vm2 allow\n",
	 .src = "test-vm2", .tgt = "@default",
	 .xv = XV_DENY, .notify = YES,
	 .msg = "no matching rule found"},
	/* 5.3 #3: deny notifies by default */
	{.id = "5.3#3",
	 .pol = "* * @anyvm @anyvm deny\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_DENY, .notify = YES, .line = 1,
	 .msg = "denied by policy @D@/10-test.policy:1",
	 .rule = "*\t*\t@anyvm\t@anyvm\tdeny"},
	/* 5.3 #4: deny notify=no */
	{.id = "5.3#4",
	 .pol = "* * @anyvm @anyvm deny notify=no\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_DENY, .notify = NO, .line = 1,
	 .msg = "denied by policy @D@/10-test.policy:1"},
	/* 5.3 #5: @default redirected by target= */
	{.id = "5.3#5", .pol = POL_TC40,
	 .src = "test-vm1", .tgt = "@default",
	 .xv = XV_ALLOW, .target = "test-vm2", .autostart = YES, .notify = NO, .line = 2,
	 .reply = "user=DEFAULT\n"
	          "result=allow\n"
	          "target=test-vm2\n"
	          "target_uuid=uuid:b3eb69d0-f9d9-4c3c-ad5c-454500303ea4\n"
	          "autostart=True\n"
	          "requested_target=@default"},
	/* 5.3 #6: @anyvm allow matched @default but no target */
	{.id = "5.3#6", .pol = POL_TC40,
	 .src = "test-standalone", .tgt = "@default",
	 .xv = XV_DENY, .notify = YES, .line = 5,
	 .msg = "policy define 'allow' action at @D@/10-test.policy:5 but no target is specified by caller or policy"},
	/* 5.3 #7: autostart=no, target running */
	{.id = "5.3#7a",
	 .pol = "* * test-vm1 test-vm2 allow autostart=no\n"
	        "* * test-vm1 test-vm3 allow autostart=no\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_ALLOW, .target = "test-vm2", .autostart = NO, .notify = NO, .line = 1,
	 .reply = "user=DEFAULT\n"
	          "result=allow\n"
	          "target=test-vm2\n"
	          "target_uuid=uuid:b3eb69d0-f9d9-4c3c-ad5c-454500303ea4\n"
	          "autostart=False\n"
	          "requested_target=test-vm2"},
	/* 5.3 #7: autostart=no, target halted */
	{.id = "5.3#7b",
	 .pol = "* * test-vm1 test-vm2 allow autostart=no\n"
	        "* * test-vm1 test-vm3 allow autostart=no\n",
	 .src = "test-vm1", .tgt = "test-vm3",
	 .xv = XV_DENY, .notify = NO, .line = 2,
	 .msg = "target test-vm3 is denied because it would require autostart"},
	/* 5.3 #8: ask, candidates from every rule for the source */
	{.id = "5.3#8", .pol = POL_TC40,
	 .src = "test-standalone", .tgt = "test-vm2",
	 .xv = XV_ASK, .autostart = YES, .notify = NO, .line = 3,
	 .cands = "@dispvm:default-dvm @dispvm:test-vm3 @dispvm:test-vm4 default-dvm "
	          "test-invalid-dvm test-no-dvm test-relayvm1 test-remotevm1 "
	          "test-template test-vm1 test-vm2 test-vm3 test-vm4 test2-relayvm1 "
	          "test2-relayvm2 test2-remotevm1 test2-remotevm2 test2-vm1"},
	/* 5.3 #9: a uuid: source matches a @tag: rule */
	{.id = "5.3#9", .pol = POL_TC40,
	 .src = "uuid:6d7a02b5-532b-467f-b9fb-6596bae03c33", .tgt = "test-vm3",
	 .xv = XV_ASK, .autostart = YES, .notify = NO, .line = 4,
	 .cands = "@dispvm:default-dvm @dispvm:test-vm3 @dispvm:test-vm4 default-dvm "
	          "test-invalid-dvm test-no-dvm test-relayvm1 test-remotevm1 "
	          "test-template test-vm1 test-vm2 test-vm3 test-vm4 test2-relayvm1 "
	          "test2-relayvm2 test2-remotevm1 test2-remotevm2 test2-vm1", .deflt = "test-vm3"},
	/* 5.3 #10: ask with no candidates */
	{.id = "5.3#10",
	 .pol = "* * test-vm3 @default ask\n",
	 .src = "test-vm3", .tgt = "@default",
	 .xv = XV_DENY, .notify = YES, .line = 1,
	 .msg = "policy define 'ask' action at @D@/10-test.policy:1 but no target is available to choose from"},
	/* 5.3 #11 (first half of test_043) */
	{.id = "5.3#11a",
	 .pol = "* * test-vm1 @anyvm ask\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_ASK, .autostart = YES, .notify = NO, .line = 1,
	 .cands = "@dispvm:default-dvm @dispvm:test-vm3 @dispvm:test-vm4 default-dvm "
	          "test-invalid-dvm test-no-dvm test-relayvm1 test-remotevm1 "
	          "test-standalone test-template test-vm2 test-vm3 test-vm4 "
	          "test2-relayvm1 test2-relayvm2 test2-remotevm1 test2-remotevm2 "
	          "test2-vm1"},
	/* 5.3 #11: autostart=no keeps running qubes only */
	{.id = "5.3#11b",
	 .pol = "* * test-vm1 @anyvm ask autostart=no\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_ASK, .autostart = NO, .notify = NO, .line = 1,
	 .cands = "test-relayvm1 test-remotevm1 test-vm2 test2-relayvm1 "
	          "test2-relayvm2 test2-remotevm1 test2-remotevm2 test2-vm1"},
	/* 5.3 #12: a default_target that is not a candidate is dropped */
	{.id = "5.3#12",
	 .pol = "* * test-vm3 test-vm2 ask default_target=test-vm1\n",
	 .src = "test-vm3", .tgt = "test-vm2",
	 .xv = XV_ASK, .autostart = YES, .notify = NO, .line = 1,
	 .cands = "test-vm2"},
	/* 5.3 #13: @dispvm through default_dispvm */
	{.id = "5.3#13",
	 .pol = "* * test-vm3 @dispvm allow\n",
	 .src = "test-vm3", .tgt = "@dispvm",
	 .xv = XV_ALLOW, .target = "@dispvm:default-dvm", .autostart = YES, .notify = NO, .line = 1,
	 .reply = "user=DEFAULT\n"
	          "result=allow\n"
	          "target=@dispvm:default-dvm\n"
	          "target_uuid=@dispvm:uuid:f3e538bd-4427-4697-bed7-45ef3270df21\n"
	          "autostart=True\n"
	          "requested_target=@dispvm"},
	/* 5.3 #14: no default_dispvm */
	{.id = "5.3#14",
	 .pol = "* * test-no-dvm @dispvm allow\n",
	 .src = "test-no-dvm", .tgt = "@dispvm",
	 .xv = XV_DENY, .notify = YES, .line = 1,
	 .msg = "policy define 'allow' action to @dispvm at @D@/10-test.policy:1 but no DispVM base is set for this VM"},
	/* 5.3 #15 */
	{.id = "5.3#15",
	 .pol = "* * @anyvm @anyvm allow target=@dispvm\n",
	 .src = "test-vm3", .tgt = "test-vm1",
	 .xv = XV_ALLOW, .target = "@dispvm:default-dvm", .autostart = YES, .notify = NO, .line = 1,
	 .rule = "*\t*\t@anyvm\t@anyvm\tallow target=@dispvm",
	 .reply = "user=DEFAULT\n"
	          "result=allow\n"
	          "target=@dispvm:default-dvm\n"
	          "target_uuid=@dispvm:uuid:f3e538bd-4427-4697-bed7-45ef3270df21\n"
	          "autostart=True\n"
	          "requested_target=test-vm1"},
	/* 5.3 #16: default_target=@dispvm */
	{.id = "5.3#16",
	 .pol = "* * @anyvm @anyvm ask default_target=@dispvm\n"
	        "* * @anyvm @dispvm ask\n",
	 .src = "test-vm3", .tgt = "test-vm1",
	 .xv = XV_ASK, .autostart = YES, .notify = NO, .line = 1,
	 .cands = "@dispvm:default-dvm @dispvm:test-vm3 @dispvm:test-vm4 default-dvm "
	          "test-invalid-dvm test-no-dvm test-relayvm1 test-remotevm1 "
	          "test-standalone test-template test-vm1 test-vm2 test-vm4 "
	          "test2-relayvm1 test2-relayvm2 test2-remotevm1 test2-remotevm2 "
	          "test2-vm1", .deflt = "@dispvm:default-dvm",
	 .rule = "*\t*\t@anyvm\t@anyvm\task default_target=@dispvm"},
	/* 5.3 #17 */
	{.id = "5.3#17a",
	 .pol = "* * test-vm3 @adminvm allow\n",
	 .src = "test-vm3", .tgt = "dom0",
	 .xv = XV_ALLOW, .target = "dom0", .autostart = YES, .notify = NO, .line = 1,
	 .reply = "user=DEFAULT\n"
	          "result=allow\n"
	          "target=dom0\n"
	          "autostart=True\n"
	          "requested_target=dom0"},
	/* 5.3 #17 */
	{.id = "5.3#17b",
	 .pol = "* * test-vm3 @adminvm allow\n",
	 .src = "test-vm3", .tgt = "@adminvm",
	 .xv = XV_ALLOW, .target = "dom0", .autostart = YES, .notify = NO, .line = 1,
	 .reply = "user=DEFAULT\n"
	          "result=allow\n"
	          "target=dom0\n"
	          "autostart=True\n"
	          "requested_target=@adminvm"},
	/* 5.3 #17 (test_062) */
	{.id = "5.3#17c",
	 .pol = "* * test-vm3 dom0 allow\n",
	 .src = "test-vm3", .tgt = "dom0",
	 .xv = XV_ALLOW, .target = "dom0", .autostart = YES, .notify = NO, .line = 1,
	 .reply = "user=DEFAULT\n"
	          "result=allow\n"
	          "target=dom0\n"
	          "autostart=True\n"
	          "requested_target=dom0"},
	/* 5.3 #18 */
	{.id = "5.3#18",
	 .pol = "* * test-vm3 dom0 allow\n",
	 .src = "test-vm3", .tgt = "@adminvm",
	 .xv = XV_ALLOW, .target = "dom0", .autostart = YES, .notify = NO, .line = 1,
	 .reply = "user=DEFAULT\n"
	          "result=allow\n"
	          "target=dom0\n"
	          "autostart=True\n"
	          "requested_target=@adminvm"},
	/* 5.3 #19: a dom0 spelling does not match a plain name */
	{.id = "5.3#19a",
	 .pol = "* * test-vm3 test-vm2 allow\n",
	 .src = "test-vm3", .tgt = "dom0",
	 .xv = XV_DENY, .notify = YES,
	 .msg = "no matching rule found"},
	/* 5.3 #19: a dom0 spelling does not match a plain name */
	{.id = "5.3#19b",
	 .pol = "* * test-vm3 test-vm2 allow\n",
	 .src = "test-vm3", .tgt = "@adminvm",
	 .xv = XV_DENY, .notify = YES,
	 .msg = "no matching rule found"},
	/* 5.3 #19: a dom0 spelling does not match a plain name */
	{.id = "5.3#19c",
	 .pol = "* * test-vm3 test-vm2 allow\n",
	 .src = "test-vm3", .tgt = "uuid:00000000-0000-0000-0000-000000000000",
	 .xv = XV_DENY, .notify = YES,
	 .msg = "no matching rule found"},
	/* 5.3 #20: a dom0 spelling does not match another qube */
	{.id = "5.3#20a",
	 .pol = "* * test-vm3 dom0 allow\n",
	 .src = "test-vm3", .tgt = "test-vm2",
	 .xv = XV_DENY, .notify = YES,
	 .msg = "no matching rule found"},
	/* 5.3 #20: a dom0 spelling does not match another qube */
	{.id = "5.3#20b",
	 .pol = "* * test-vm3 @adminvm allow\n",
	 .src = "test-vm3", .tgt = "test-vm2",
	 .xv = XV_DENY, .notify = YES,
	 .msg = "no matching rule found"},
	/* 5.3 #20: a dom0 spelling does not match another qube */
	{.id = "5.3#20c",
	 .pol = "* * test-vm3 uuid:00000000-0000-0000-0000-000000000000 allow\n",
	 .src = "test-vm3", .tgt = "test-vm2",
	 .xv = XV_DENY, .notify = YES,
	 .msg = "no matching rule found"},
	/* 5.3 #21: every dom0 spelling in target= and default_target= */
	{.id = "5.3#21aa",
	 .pol = "* * test-vm3 @default ask target=dom0 default_target=dom0\n",
	 .src = "test-vm3", .tgt = "@default",
	 .xv = XV_ASK, .autostart = YES, .notify = NO, .line = 1,
	 .cands = "dom0", .deflt = "dom0"},
	/* 5.3 #21: every dom0 spelling in target= and default_target= */
	{.id = "5.3#21ab",
	 .pol = "* * test-vm3 @default ask target=dom0 default_target=@adminvm\n",
	 .src = "test-vm3", .tgt = "@default",
	 .xv = XV_ASK, .autostart = YES, .notify = NO, .line = 1,
	 .cands = "dom0", .deflt = "dom0"},
	/* 5.3 #21: every dom0 spelling in target= and default_target= */
	{.id = "5.3#21ac",
	 .pol = "* * test-vm3 @default ask target=dom0 default_target=uuid:00000000-0000-0000-0000-000000000000\n",
	 .src = "test-vm3", .tgt = "@default",
	 .xv = XV_ASK, .autostart = YES, .notify = NO, .line = 1,
	 .cands = "dom0", .deflt = "dom0"},
	/* 5.3 #21: every dom0 spelling in target= and default_target= */
	{.id = "5.3#21ba",
	 .pol = "* * test-vm3 @default ask target=@adminvm default_target=dom0\n",
	 .src = "test-vm3", .tgt = "@default",
	 .xv = XV_ASK, .autostart = YES, .notify = NO, .line = 1,
	 .cands = "dom0", .deflt = "dom0"},
	/* 5.3 #21: every dom0 spelling in target= and default_target= */
	{.id = "5.3#21bb",
	 .pol = "* * test-vm3 @default ask target=@adminvm default_target=@adminvm\n",
	 .src = "test-vm3", .tgt = "@default",
	 .xv = XV_ASK, .autostart = YES, .notify = NO, .line = 1,
	 .cands = "dom0", .deflt = "dom0"},
	/* 5.3 #21: every dom0 spelling in target= and default_target= */
	{.id = "5.3#21bc",
	 .pol = "* * test-vm3 @default ask target=@adminvm default_target=uuid:00000000-0000-0000-0000-000000000000\n",
	 .src = "test-vm3", .tgt = "@default",
	 .xv = XV_ASK, .autostart = YES, .notify = NO, .line = 1,
	 .cands = "dom0", .deflt = "dom0"},
	/* 5.3 #21: every dom0 spelling in target= and default_target= */
	{.id = "5.3#21ca",
	 .pol = "* * test-vm3 @default ask target=uuid:00000000-0000-0000-0000-000000000000 default_target=dom0\n",
	 .src = "test-vm3", .tgt = "@default",
	 .xv = XV_ASK, .autostart = YES, .notify = NO, .line = 1,
	 .cands = "dom0", .deflt = "dom0"},
	/* 5.3 #21: every dom0 spelling in target= and default_target= */
	{.id = "5.3#21cb",
	 .pol = "* * test-vm3 @default ask target=uuid:00000000-0000-0000-0000-000000000000 default_target=@adminvm\n",
	 .src = "test-vm3", .tgt = "@default",
	 .xv = XV_ASK, .autostart = YES, .notify = NO, .line = 1,
	 .cands = "dom0", .deflt = "dom0"},
	/* 5.3 #21: every dom0 spelling in target= and default_target= */
	{.id = "5.3#21cc",
	 .pol = "* * test-vm3 @default ask target=uuid:00000000-0000-0000-0000-000000000000 default_target=uuid:00000000-0000-0000-0000-000000000000\n",
	 .src = "test-vm3", .tgt = "@default",
	 .xv = XV_ASK, .autostart = YES, .notify = NO, .line = 1,
	 .cands = "dom0", .deflt = "dom0"},
	/* 5.3 #22 */
	{.id = "5.3#22",
	 .pol = "* * @anyvm @anyvm allow target=test-vm2\n",
	 .src = "test-vm3", .tgt = "test-vm1",
	 .xv = XV_ALLOW, .target = "test-vm2", .autostart = YES, .notify = NO, .line = 1,
	 .reply = "user=DEFAULT\n"
	          "result=allow\n"
	          "target=test-vm2\n"
	          "target_uuid=uuid:b3eb69d0-f9d9-4c3c-ad5c-454500303ea4\n"
	          "autostart=True\n"
	          "requested_target=test-vm1"},
	/* 5.3 #23 */
	{.id = "5.3#23",
	 .pol = "* * @anyvm @anyvm allow target=@dispvm:test-vm3\n",
	 .src = "test-vm3", .tgt = "test-vm1",
	 .xv = XV_ALLOW, .target = "@dispvm:test-vm3", .autostart = YES, .notify = NO, .line = 1,
	 .reply = "user=DEFAULT\n"
	          "result=allow\n"
	          "target=@dispvm:test-vm3\n"
	          "target_uuid=@dispvm:uuid:fa6d56e8-a89d-4106-aa62-22e172a43c8b\n"
	          "autostart=True\n"
	          "requested_target=test-vm1"},
	/* 5.3 #24 */
	{.id = "5.3#24",
	 .pol = "* * @anyvm @anyvm allow target=@dispvm\n",
	 .src = "test-no-dvm", .tgt = "test-vm1",
	 .xv = XV_DENY, .notify = YES, .line = 1,
	 .msg = "policy define 'allow' action to @dispvm at @D@/10-test.policy:1 but no DispVM base is set for this VM"},
	/* 5.3 #25 */
	{.id = "5.3#25",
	 .pol = "* * @anyvm @anyvm allow target=@adminvm\n",
	 .src = "test-vm3", .tgt = "test-vm1",
	 .xv = XV_ALLOW, .target = "dom0", .autostart = YES, .notify = NO, .line = 1,
	 .rule = "*\t*\t@anyvm\t@anyvm\tallow target=@adminvm",
	 .reply = "user=DEFAULT\n"
	          "result=allow\n"
	          "target=dom0\n"
	          "autostart=True\n"
	          "requested_target=test-vm1"},
	/* 5.3 #26: target= naming a missing qube */
	{.id = "5.3#26",
	 .pol = "* * test-vm3 @anyvm allow target=no-such-vm\n",
	 .src = "test-vm3", .tgt = "@default",
	 .xv = XV_DENY, .notify = YES, .line = 1,
	 .msg = "policy define 'allow' action at @D@/10-test.policy:1 but no target is specified by caller or policy"},
	/* 5.3 #27: uuid redirect kept as written */
	{.id = "5.3#27a",
	 .pol = "* * @anyvm @anyvm allow target=uuid:b3eb69d0-f9d9-4c3c-ad5c-454500303ea4\n",
	 .src = "test-vm3", .tgt = "test-vm1",
	 .xv = XV_ALLOW, .target = "uuid:b3eb69d0-f9d9-4c3c-ad5c-454500303ea4", .autostart = YES, .notify = NO, .line = 1,
	 .reply = "user=DEFAULT\n"
	          "result=allow\n"
	          "target=uuid:b3eb69d0-f9d9-4c3c-ad5c-454500303ea4\n"
	          "target_uuid=uuid:b3eb69d0-f9d9-4c3c-ad5c-454500303ea4\n"
	          "autostart=True\n"
	          "requested_target=test-vm1"},
	/* 5.3 #27 */
	{.id = "5.3#27b",
	 .pol = "* * @anyvm @anyvm allow target=uuid:00000000-0000-0000-0000-000000000000\n",
	 .src = "test-vm3", .tgt = "test-vm1",
	 .xv = XV_ALLOW, .target = "uuid:00000000-0000-0000-0000-000000000000", .autostart = YES, .notify = NO, .line = 1,
	 .reply = "user=DEFAULT\n"
	          "result=allow\n"
	          "target=dom0\n"
	          "autostart=True\n"
	          "requested_target=test-vm1"},
	/* 5.3 #27 */
	{.id = "5.3#27c",
	 .pol = "* * @anyvm @anyvm allow target=@dispvm:uuid:fa6d56e8-a89d-4106-aa62-22e172a43c8b\n",
	 .src = "test-vm3", .tgt = "test-vm1",
	 .xv = XV_ALLOW, .target = "@dispvm:uuid:fa6d56e8-a89d-4106-aa62-22e172a43c8b", .autostart = YES, .notify = NO, .line = 1,
	 .reply = "user=DEFAULT\n"
	          "result=allow\n"
	          "target=@dispvm:uuid:fa6d56e8-a89d-4106-aa62-22e172a43c8b\n"
	          "target_uuid=@dispvm:uuid:fa6d56e8-a89d-4106-aa62-22e172a43c8b\n"
	          "autostart=True\n"
	          "requested_target=test-vm1"},
	/* 5.3 #29: dom0 reply has no target_uuid */
	{.id = "5.3#29",
	 .pol = "* * @anyvm dom0 allow\n",
	 .src = "test-vm1", .tgt = "@adminvm",
	 .xv = XV_ALLOW, .target = "dom0", .autostart = YES, .notify = NO, .line = 1,
	 .reply = "user=DEFAULT\n"
	          "result=allow\n"
	          "target=dom0\n"
	          "autostart=True\n"
	          "requested_target=@adminvm"},
	/* 5.3 #30: RemoteVM through its relay */
	{.id = "5.3#30a",
	 .pol = "* * test-vm1 test-remotevm1 allow\n",
	 .src = "test-vm1", .tgt = "test-remotevm1",
	 .xv = XV_ALLOW, .target = "test-remotevm1", .autostart = YES, .notify = NO, .line = 1,
	 .reply = "user=DEFAULT\n"
	          "result=allow\n"
	          "target=test-relayvm1\n"
	          "target_uuid=uuid:355304b8-bd5e-4699-9a2b-b6864fc26f6b\n"
	          "autostart=True\n"
	          "requested_target=test-remotevm1\n"
	          "service=qubesair.SSHProxy+test-remotevm1+test.Service+argument"},
	/* 5.3 #30: user= ignored toward a RemoteVM */
	{.id = "5.3#30b",
	 .pol = "* * test-vm1 test-remotevm1 allow user=toto\n",
	 .src = "test-vm1", .tgt = "test-remotevm1",
	 .xv = XV_ALLOW, .target = "test-remotevm1", .user = "toto", .autostart = YES, .notify = NO, .line = 1,
	 .reply = "user=DEFAULT\n"
	          "result=allow\n"
	          "target=test-relayvm1\n"
	          "target_uuid=uuid:355304b8-bd5e-4699-9a2b-b6864fc26f6b\n"
	          "autostart=True\n"
	          "requested_target=test-remotevm1\n"
	          "service=qubesair.SSHProxy+test-remotevm1+test.Service+argument"},
	/* 5.3 #31: requested_source */
	{.id = "5.3#31",
	 .pol = "* * test2-remotevm1 test2-vm1 allow\n",
	 .src = "test2-relayvm1", .tgt = "test2-vm1", .rsrc = "test2-remotevm1",
	 .xv = XV_ALLOW, .target = "test2-vm1", .autostart = YES, .notify = NO, .line = 1,
	 .reply = "user=DEFAULT\n"
	          "result=allow\n"
	          "target=test2-vm1\n"
	          "target_uuid=uuid:c798d6db-360f-473a-b902-1cc58ffd3ab0\n"
	          "autostart=True\n"
	          "requested_target=test2-vm1\n"
	          "policy_source=test2-remotevm1"},
	/* 5.3 #31 (test_128): remote to remote */
	{.id = "5.3#31b",
	 .pol = "* * test2-remotevm1 test2-remotevm2 allow\n",
	 .svc = "qubes.SomeService", .arg = "+arg", .src = "test2-relayvm1", .tgt = "test2-remotevm2", .rsrc = "test2-remotevm1",
	 .xv = XV_ALLOW, .target = "test2-remotevm2", .autostart = YES, .notify = NO, .line = 1,
	 .reply = "user=DEFAULT\n"
	          "result=allow\n"
	          "target=test2-relayvm2\n"
	          "target_uuid=uuid:044767bb-081e-4260-b7be-35e77c36d510\n"
	          "autostart=True\n"
	          "requested_target=test2-remotevm2\n"
	          "service=qubesair.SSHProxy+test2-remotevm2+qubes.SomeService+arg\n"
	          "policy_source=test2-remotevm1"},
	/* 5.3 #31 (test_129): remote to a disposable */
	{.id = "5.3#31c",
	 .pol = "* * @anyvm @dispvm:default-dvm allow\n",
	 .svc = "qubes.SomeService", .arg = "+arg", .src = "test-relayvm1", .tgt = "@dispvm:default-dvm", .rsrc = "test-remotevm1",
	 .xv = XV_ALLOW, .target = "@dispvm:default-dvm", .autostart = YES, .notify = NO, .line = 1,
	 .reply = "user=DEFAULT\n"
	          "result=allow\n"
	          "target=@dispvm:default-dvm\n"
	          "target_uuid=@dispvm:uuid:f3e538bd-4427-4697-bed7-45ef3270df21\n"
	          "autostart=True\n"
	          "requested_target=@dispvm:default-dvm\n"
	          "policy_source=test-remotevm1"},
	/* 5.3 #32: relay of another RemoteVM */
	{.id = "5.3#32a",
	 .pol = "* * @anyvm @anyvm allow\n",
	 .src = "test-relayvm1", .tgt = "test-vm1", .rsrc = "test2-remotevm1",
	 .xv = XV_DENY, .notify = YES,
	 .msg = "test-relayvm1 is not a relay for test2-remotevm1"},
	/* 5.3 #32: requested_source that is not a RemoteVM */
	{.id = "5.3#32b",
	 .pol = "* * @anyvm @anyvm allow\n",
	 .src = "test-vm1", .tgt = "test-vm2", .rsrc = "test-vm2",
	 .xv = XV_DENY, .notify = YES,
	 .msg = "test-vm2: requested source is only authorized for RemoteVM"},
	/* 5.3 #32: unknown requested_source */
	{.id = "5.3#32c",
	 .pol = "* * @anyvm @anyvm allow\n",
	 .src = "test-relayvm1", .tgt = "test-remotevm1", .rsrc = "test-unexistent",
	 .xv = XV_DENY, .notify = YES,
	 .msg = "unknown requested source qube 'test-unexistent'"},
	/* 5.3 #33: loopback */
	{.id = "5.3#33",
	 .pol = "* * @anyvm @anyvm allow\n",
	 .src = "test-vm1", .tgt = "test-vm1",
	 .xv = XV_ALLOW, .target = "test-vm1", .autostart = YES, .notify = NO, .line = 1,
	 .reply = "!loopback qrexec connection not supported"},
	/* 5.3 #34: first match (TC_20 test_010) */
	{.id = "5.3#34a", .pol = POL_TC20_010,
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_ALLOW, .target = "test-vm2", .autostart = YES, .notify = NO, .line = 1},
	/* 5.3 #34: first match (TC_20 test_010) */
	{.id = "5.3#34b", .pol = POL_TC20_010,
	 .src = "test-vm1", .tgt = "test-vm3",
	 .xv = XV_ASK, .autostart = YES, .notify = NO, .line = 2,
	 .cands = "@dispvm:default-dvm @dispvm:test-vm3 @dispvm:test-vm4 default-dvm "
	          "test-invalid-dvm test-no-dvm test-relayvm1 test-remotevm1 "
	          "test-standalone test-template test-vm2 test-vm3 test-vm4 "
	          "test2-relayvm1 test2-relayvm2 test2-remotevm1 test2-remotevm2 "
	          "test2-vm1"},
	/* 5.3 #34: first match (TC_20 test_010) */
	{.id = "5.3#34c", .pol = POL_TC20_010,
	 .src = "test-vm2", .tgt = "test-vm2",
	 .xv = XV_ALLOW, .target = "test-vm2", .autostart = YES, .notify = NO, .line = 4},
	/* 5.3 #34: first match (TC_20 test_010) */
	{.id = "5.3#34d", .pol = POL_TC20_010,
	 .src = "test-vm2", .tgt = "test-no-dvm",
	 .xv = XV_DENY, .notify = YES, .line = 3,
	 .msg = "denied by policy @D@/10-test.policy:3"},
	/* 5.3 #34: first match (TC_20 test_010) */
	{.id = "5.3#34e", .pol = POL_TC20_010,
	 .src = "test-vm1", .tgt = "@default",
	 .xv = XV_ASK, .autostart = YES, .notify = NO, .line = 2,
	 .cands = "@dispvm:default-dvm @dispvm:test-vm3 @dispvm:test-vm4 default-dvm "
	          "test-invalid-dvm test-no-dvm test-relayvm1 test-remotevm1 "
	          "test-standalone test-template test-vm2 test-vm3 test-vm4 "
	          "test2-relayvm1 test2-relayvm2 test2-remotevm1 test2-remotevm2 "
	          "test2-vm1"},
	/* 5.3 #34: first match (TC_20 test_010) */
	{.id = "5.3#34f", .pol = POL_TC20_010,
	 .src = "test-vm2", .tgt = "@default",
	 .xv = XV_ALLOW, .target = "test-vm3", .autostart = YES, .notify = NO, .line = 8},
	/* 5.3 #34: first match (TC_20 test_010) */
	{.id = "5.3#34g", .pol = POL_TC20_010,
	 .src = "test-no-dvm", .tgt = "test-vm3",
	 .xv = XV_ALLOW, .target = "test-vm3", .autostart = YES, .notify = NO, .line = 9},
	/* 5.3 #34: first match (TC_20 test_010) */
	{.id = "5.3#34h", .pol = POL_TC20_010,
	 .src = "test-vm2", .tgt = "@dispvm:test-vm3",
	 .xv = XV_ALLOW, .target = "@dispvm:test-vm3", .autostart = YES, .notify = NO, .line = 5},
	/* 5.3 #34: first match (TC_20 test_010) */
	{.id = "5.3#34i", .pol = POL_TC20_010,
	 .src = "test-vm2", .tgt = "@dispvm",
	 .xv = XV_ALLOW, .target = "@dispvm:default-dvm", .autostart = YES, .notify = NO, .line = 7},
	/* 5.3 #34: first match (TC_20 test_010) */
	{.id = "5.3#34j", .pol = POL_TC20_010,
	 .src = "test-no-dvm", .tgt = "test-standalone",
	 .xv = XV_DENY, .notify = YES,
	 .msg = "no matching rule found"},
	/* 5.3 #34: first match (TC_20 test_010) */
	{.id = "5.3#34k", .pol = POL_TC20_010,
	 .src = "test-no-dvm", .tgt = "@dispvm",
	 .xv = XV_DENY, .notify = YES,
	 .msg = "no matching rule found"},
	/* 5.3 #34: first match (TC_20 test_010) */
	{.id = "5.3#34l", .pol = POL_TC20_010,
	 .src = "test-standalone", .tgt = "@default",
	 .xv = XV_DENY, .notify = YES,
	 .msg = "no matching rule found"},
	/* 5.3 #35: collected targets (TC_20 test_020) */
	{.id = "5.3#35", .pol = POL_TC20_020,
	 .src = "test-vm2", .tgt = "@default",
	 .xv = XV_ASK, .autostart = YES, .notify = NO, .line = 1,
	 .cands = "test-vm3"},
	/* 5.3 #36: uuid rules turned into names */
	{.id = "5.3#36", .pol = POL_TC20_020,
	 .src = "test2-vm1", .tgt = "@default",
	 .xv = XV_ASK, .autostart = YES, .notify = NO, .line = 1,
	 .cands = "@dispvm:test-vm4 test-standalone test-vm3"},
	/* 5.3 #37: nothing to collect */
	{.id = "5.3#37a", .pol = POL_TC20_020,
	 .src = "test-vm3", .tgt = "@default",
	 .xv = XV_DENY, .notify = YES, .line = 1,
	 .msg = "policy define 'ask' action at @D@/10-test.policy:1 but no target is available to choose from"},
	/* 5.3 #37: the deny @type:AppVM removes everything */
	{.id = "5.3#37b", .pol = POL_TC20_020,
	 .src = "test-no-dvm", .tgt = "@default",
	 .xv = XV_DENY, .notify = YES, .line = 1,
	 .msg = "policy define 'ask' action at @D@/10-test.policy:1 but no target is available to choose from"},
	/* TC_20 test_020: test-vm1 */
	{.id = "5.3#37c", .pol = POL_TC20_020,
	 .src = "test-vm1", .tgt = "@default",
	 .xv = XV_ASK, .autostart = YES, .notify = NO, .line = 1,
	 .cands = "@dispvm:default-dvm @dispvm:test-vm3 @dispvm:test-vm4 default-dvm "
	          "test-invalid-dvm test-no-dvm test-relayvm1 test-remotevm1 "
	          "test-standalone test-template test-vm2 test-vm3 test-vm4 "
	          "test2-relayvm1 test2-relayvm2 test2-remotevm1 test2-remotevm2 "
	          "test2-vm1"},
	/* TC_20 test_020: test-standalone (@adminvm becomes dom0) */
	{.id = "5.3#37d", .pol = POL_TC20_020,
	 .src = "test-standalone", .tgt = "@default",
	 .xv = XV_ASK, .autostart = YES, .notify = NO, .line = 1,
	 .cands = "@dispvm:default-dvm default-dvm dom0 test-invalid-dvm test-no-dvm "
	          "test-relayvm1 test-vm1 test-vm2 test-vm3 test-vm4 test2-relayvm1 "
	          "test2-relayvm2 test2-vm1"},
	/* 5.3 #38: does @anyvm match '@default' */
	{.id = "5.3#38a",
	 .pol = "* * test-vm3 @anyvm deny notify=no\n"
	        "* * test-vm3 * allow target=test-vm2\n",
	 .src = "test-vm3", .tgt = "@default",
	 .xv = XV_DENY, .notify = NO, .line = 1,
	 .msg = "denied by policy @D@/10-test.policy:1"},
	/* 5.3 #38: does @anyvm match '@dispvm' */
	{.id = "5.3#38b",
	 .pol = "* * test-vm3 @anyvm deny notify=no\n"
	        "* * test-vm3 * allow target=test-vm2\n",
	 .src = "test-vm3", .tgt = "@dispvm",
	 .xv = XV_DENY, .notify = NO, .line = 1,
	 .msg = "denied by policy @D@/10-test.policy:1"},
	/* 5.3 #38: does @anyvm match '@dispvm:default-dvm' */
	{.id = "5.3#38c",
	 .pol = "* * test-vm3 @anyvm deny notify=no\n"
	        "* * test-vm3 * allow target=test-vm2\n",
	 .src = "test-vm3", .tgt = "@dispvm:default-dvm",
	 .xv = XV_DENY, .notify = NO, .line = 1,
	 .msg = "denied by policy @D@/10-test.policy:1"},
	/* 5.3 #38: does @anyvm match 'dom0' */
	{.id = "5.3#38d",
	 .pol = "* * test-vm3 @anyvm deny notify=no\n"
	        "* * test-vm3 * allow target=test-vm2\n",
	 .src = "test-vm3", .tgt = "dom0",
	 .xv = XV_ALLOW, .target = "test-vm2", .autostart = YES, .notify = NO, .line = 2},
	/* 5.3 #38: does @anyvm match '@adminvm' */
	{.id = "5.3#38e",
	 .pol = "* * test-vm3 @anyvm deny notify=no\n"
	        "* * test-vm3 * allow target=test-vm2\n",
	 .src = "test-vm3", .tgt = "@adminvm",
	 .xv = XV_ALLOW, .target = "test-vm2", .autostart = YES, .notify = NO, .line = 2},
	/* 5.3 #38: does * match '@adminvm' */
	{.id = "5.3#38f",
	 .pol = "* * test-vm3 * deny notify=no\n"
	        "* * test-vm3 * allow target=test-vm2\n",
	 .src = "test-vm3", .tgt = "@adminvm",
	 .xv = XV_DENY, .notify = NO, .line = 1,
	 .msg = "denied by policy @D@/10-test.policy:1"},
	/* 5.3 #38: does @type:AdminVM match '@adminvm' */
	{.id = "5.3#38g",
	 .pol = "* * test-vm3 @type:AdminVM deny notify=no\n"
	        "* * test-vm3 * allow target=test-vm2\n",
	 .src = "test-vm3", .tgt = "@adminvm",
	 .xv = XV_ALLOW, .target = "test-vm2", .autostart = YES, .notify = NO, .line = 2},
	/* 5.3 #38: does @type:AdminVM match 'dom0' */
	{.id = "5.3#38h",
	 .pol = "* * test-vm3 @type:AdminVM deny notify=no\n"
	        "* * test-vm3 * allow target=test-vm2\n",
	 .src = "test-vm3", .tgt = "dom0",
	 .xv = XV_DENY, .notify = NO, .line = 1,
	 .msg = "denied by policy @D@/10-test.policy:1"},
	/* 5.3 #38: does @tag:dom0-tag match '@adminvm' */
	{.id = "5.3#38i",
	 .pol = "* * test-vm3 @tag:dom0-tag deny notify=no\n"
	        "* * test-vm3 * allow target=test-vm2\n",
	 .src = "test-vm3", .tgt = "@adminvm",
	 .xv = XV_ALLOW, .target = "test-vm2", .autostart = YES, .notify = NO, .line = 2},
	/* 5.3 #38: does @tag:dom0-tag match 'dom0' */
	{.id = "5.3#38j",
	 .pol = "* * test-vm3 @tag:dom0-tag deny notify=no\n"
	        "* * test-vm3 * allow target=test-vm2\n",
	 .src = "test-vm3", .tgt = "dom0",
	 .xv = XV_DENY, .notify = NO, .line = 1,
	 .msg = "denied by policy @D@/10-test.policy:1"},
	/* 5.3 #38: does @dispvm match 'default-dvm' */
	{.id = "5.3#38k",
	 .pol = "* * test-vm3 @dispvm deny notify=no\n"
	        "* * test-vm3 * allow target=test-vm2\n",
	 .src = "test-vm3", .tgt = "default-dvm",
	 .xv = XV_ALLOW, .target = "test-vm2", .autostart = YES, .notify = NO, .line = 2},
	/* 5.3 #38: does @dispvm:default-dvm match 'default-dvm' */
	{.id = "5.3#38l",
	 .pol = "* * test-vm3 @dispvm:default-dvm deny notify=no\n"
	        "* * test-vm3 * allow target=test-vm2\n",
	 .src = "test-vm3", .tgt = "default-dvm",
	 .xv = XV_ALLOW, .target = "test-vm2", .autostart = YES, .notify = NO, .line = 2},
	/* 5.3 #38: does @dispvm:uuid:f3e538bd-4427-4697-bed7-45ef3270df21 match '@dispvm:default-dvm' */
	{.id = "5.3#38m",
	 .pol = "* * test-vm3 @dispvm:uuid:f3e538bd-4427-4697-bed7-45ef3270df21 deny notify=no\n"
	        "* * test-vm3 * allow target=test-vm2\n",
	 .src = "test-vm3", .tgt = "@dispvm:default-dvm",
	 .xv = XV_DENY, .notify = NO, .line = 1,
	 .msg = "denied by policy @D@/10-test.policy:1"},
	/* 5.3 #38: does @default match 'test-vm1\n' */
	{.id = "5.3#38n",
	 .pol = "* * test-vm3 @default deny notify=no\n"
	        "* * test-vm3 * allow target=test-vm2\n",
	 .src = "test-vm3", .tgt = "test-vm1\n",
	 .xv = XV_DENY, .notify = NO, .line = 1,
	 .msg = "denied by policy @D@/10-test.policy:1"},
	/* 5.3 #38: does @dispvm:uuid:f3e538bd-4427-4697-bed7-45ef3270df21 match '@dispvm' */
	{.id = "5.3#38o",
	 .pol = "* * test-vm3 @dispvm:uuid:f3e538bd-4427-4697-bed7-45ef3270df21 deny notify=no\n"
	        "* * test-vm3 * allow target=test-vm2\n",
	 .src = "test-vm3", .tgt = "@dispvm",
	 .xv = XV_ALLOW, .target = "test-vm2", .autostart = YES, .notify = NO, .line = 2},
	/* 5.3 #38: does @anyvm match 'uuid:00000000-0000-0000-0000-000000000000' */
	{.id = "5.3#38p",
	 .pol = "* * test-vm3 @anyvm deny notify=no\n"
	        "* * test-vm3 * allow target=test-vm2\n",
	 .src = "test-vm3", .tgt = "uuid:00000000-0000-0000-0000-000000000000",
	 .xv = XV_ALLOW, .target = "test-vm2", .autostart = YES, .notify = NO, .line = 2},
	/* 5.3 #38: does * match 'uuid:00000000-0000-0000-0000-000000000000' */
	{.id = "5.3#38q",
	 .pol = "* * test-vm3 * deny notify=no\n"
	        "* * test-vm3 * allow target=test-vm2\n",
	 .src = "test-vm3", .tgt = "uuid:00000000-0000-0000-0000-000000000000",
	 .xv = XV_DENY, .notify = NO, .line = 1,
	 .msg = "denied by policy @D@/10-test.policy:1"},
	/* 5.3 #38: does dom0 match 'uuid:00000000-0000-0000-0000-000000000000' */
	{.id = "5.3#38r",
	 .pol = "* * test-vm3 dom0 deny notify=no\n"
	        "* * test-vm3 * allow target=test-vm2\n",
	 .src = "test-vm3", .tgt = "uuid:00000000-0000-0000-0000-000000000000",
	 .xv = XV_DENY, .notify = NO, .line = 1,
	 .msg = "denied by policy @D@/10-test.policy:1"},
	/* 5.3 #38: does @adminvm match 'uuid:00000000-0000-0000-0000-000000000000' */
	{.id = "5.3#38s",
	 .pol = "* * test-vm3 @adminvm deny notify=no\n"
	        "* * test-vm3 * allow target=test-vm2\n",
	 .src = "test-vm3", .tgt = "uuid:00000000-0000-0000-0000-000000000000",
	 .xv = XV_DENY, .notify = NO, .line = 1,
	 .msg = "denied by policy @D@/10-test.policy:1"},
	/* 5.3 #39: invalid requested target */
	{.id = "5.3#39a",
	 .pol = "* * @anyvm * allow\n",
	 .src = "test-vm1", .tgt = "@type:AppVM",
	 .xv = XV_DENY, .notify = NO,
	 .msg = "invalid intendedtarget token: '@type:AppVM'"},
	/* 5.3 #39: invalid requested target */
	{.id = "5.3#39b",
	 .pol = "* * @anyvm * allow\n",
	 .src = "test-vm1", .tgt = "@dispvm:test-invalid-dvm",
	 .xv = XV_DENY, .notify = YES,
	 .msg = "not a template for dispvm: test-invalid-dvm"},
	/* 5.3 #39: invalid requested target */
	{.id = "5.3#39c",
	 .pol = "* * @anyvm * allow\n",
	 .src = "test-vm1", .tgt = "@dispvm:test-vm1",
	 .xv = XV_DENY, .notify = YES,
	 .msg = "not a template for dispvm: test-vm1"},
	/* 5.3 #39: invalid requested target */
	{.id = "5.3#39d",
	 .pol = "* * @anyvm * allow\n",
	 .src = "test-vm1", .tgt = "@anyvm",
	 .xv = XV_DENY, .notify = NO,
	 .msg = "invalid intendedtarget token: '@anyvm'"},
	/* 5.3 #39: invalid requested target */
	{.id = "5.3#39e",
	 .pol = "* * @anyvm * allow\n",
	 .src = "test-vm1", .tgt = "@tag:tag1",
	 .xv = XV_DENY, .notify = NO,
	 .msg = "invalid intendedtarget token: '@tag:tag1'"},
	/* 5.3 #39: invalid requested target */
	{.id = "5.3#39f",
	 .pol = "* * @anyvm * allow\n",
	 .src = "test-vm1", .tgt = "@dispvm:@tag:tag1",
	 .xv = XV_DENY, .notify = NO,
	 .msg = "invalid intendedtarget token: '@dispvm:@tag:tag1'"},
	/* 5.3 #39: invalid requested target */
	{.id = "5.3#39g",
	 .pol = "* * @anyvm * allow\n",
	 .src = "test-vm1", .tgt = "@invalid",
	 .xv = XV_DENY, .notify = NO,
	 .msg = "invalid intendedtarget token: '@invalid'"},
	/* 5.3 #39: invalid requested target */
	{.id = "5.3#39h",
	 .pol = "* * @anyvm * allow\n",
	 .src = "test-vm1", .tgt = "*",
	 .xv = XV_DENY, .notify = NO,
	 .msg = "invalid intendedtarget token: '*'"},
	/* 5.3 #39: invalid requested target */
	{.id = "5.3#39i",
	 .pol = "* * @anyvm * allow\n",
	 .src = "test-vm1", .tgt = "@dispvm:no-such-vm",
	 .xv = XV_DENY, .notify = YES,
	 .msg = "not a template for dispvm: no-such-vm"},
	/* 5.3 #39: invalid requested target */
	{.id = "5.3#39j",
	 .pol = "* * @anyvm * allow\n",
	 .src = "test-vm1", .tgt = "@uuid:b3eb69d0-f9d9-4c3c-ad5c-454500303ea4",
	 .xv = XV_DENY, .notify = NO,
	 .msg = "invalid intendedtarget token: '@uuid:b3eb69d0-f9d9-4c3c-ad5c-454500303ea4'"},
	/* 5.3 #39: invalid requested target */
	{.id = "5.3#39k",
	 .pol = "* * @anyvm * allow\n",
	 .src = "test-vm1", .tgt = "@dispvm:",
	 .xv = XV_DENY, .notify = NO,
	 .msg = "invalid empty @dispvm: token: '@dispvm:'"},
	/* 5.3 #40: a missing target becomes @default */
	{.id = "5.3#40",
	 .pol = "* * test-vm1 @default allow target=test-vm2\n",
	 .src = "test-vm1", .tgt = "no-such-vm",
	 .xv = XV_ALLOW, .target = "test-vm2", .autostart = YES, .notify = NO, .line = 1,
	 .reply = "user=DEFAULT\n"
	          "result=allow\n"
	          "target=test-vm2\n"
	          "target_uuid=uuid:b3eb69d0-f9d9-4c3c-ad5c-454500303ea4\n"
	          "autostart=True\n"
	          "requested_target=@default"},
	/* 5.3 #41: TC_10 test_030 line 1 */
	{.id = "5.3#41a",
	 .pol = "# first line\ntest.Service +argument @dispvm @default allow\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:2: invalid source token: '@dispvm'"},
	/* 5.3 #41: TC_10 test_030 line 2 */
	{.id = "5.3#41b",
	 .pol = "# first line\n"
	        "test.Service +argument @default @default allow\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:2: invalid source token: '@default'"},
	/* 5.3 #41: TC_10 test_030 line 3 */
	{.id = "5.3#41c",
	 .pol = "# first line\n"
	        "test.Service +argument @anyvm @default allow,target=@dispvm:@tag:tag1\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:2: invalid action: allow,target=@dispvm:@tag:tag1"},
	/* 5.3 #41: TC_10 test_030 line 4 */
	{.id = "5.3#41d",
	 .pol = "# first line\n"
	        "test.Service +argument @anyvm @default allow,target=@tag:tag1\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:2: invalid action: allow,target=@tag:tag1"},
	/* 5.3 #41: TC_10 test_030 line 5 */
	{.id = "5.3#41e",
	 .pol = "# first line\n"
	        "test.Service +argument @anyvm @default deny,target=test-vm1\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:2: invalid action: deny,target=test-vm1"},
	/* 5.3 #41: TC_10 test_030 line 6 */
	{.id = "5.3#41f",
	 .pol = "# first line\n"
	        "test.Service +argument @anyvm @anyvm deny,default_target=test-vm1\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:2: invalid action: deny,default_target=test-vm1"},
	/* 5.3 #41: TC_10 test_030 line 7 */
	{.id = "5.3#41g",
	 .pol = "# first line\n"
	        "test.Service +argument @anyvm @anyvm deny,user=user\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:2: invalid action: deny,user=user"},
	/* 5.3 #41: TC_10 test_030 line 8 */
	{.id = "5.3#41h",
	 .pol = "# first line\ntest.Service +argument @anyvm @anyvm invalid\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:2: invalid action: invalid"},
	/* 5.3 #41: TC_10 test_030 line 9 */
	{.id = "5.3#41i",
	 .pol = "# first line\n"
	        "test.Service +argument @anyvm @anyvm allow,invalid=xx\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:2: invalid action: allow,invalid=xx"},
	/* 5.3 #41: TC_10 test_030 line 10 */
	{.id = "5.3#41j",
	 .pol = "# first line\ntest.Service +argument @anyvm @anyvm\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:2: wrong number of fields"},
	/* 5.3 #41: TC_10 test_030 line 11 */
	{.id = "5.3#41k",
	 .pol = "# first line\n"
	        "test.Service +argument @anyvm @anyvm allow,default_target=test-vm1\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:2: invalid action: allow,default_target=test-vm1"},
	/* 5.3 #41: TC_10 test_030 line 12 */
	{.id = "5.3#41l",
	 .pol = "# first line\ntest.Service +argument @invalid @anyvm allow\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:2: invalid source token: '@invalid'"},
	/* 5.3 #41: TC_10 test_030 line 13 */
	{.id = "5.3#41m",
	 .pol = "# first line\ntest.Service +argument @anyvm @invalid deny\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:2: invalid target token: '@invalid'"},
	/* 5.3 #41: TC_10 test_030 line 14 */
	{.id = "5.3#41n",
	 .pol = "# first line\n"
	        "test.Service +argument @anyvm @anyvm allow extra\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:2: invalid action parameter syntax: 'extra'"},
	/* 5.3 #41: TC_10 test_030 line 15 */
	{.id = "5.3#41o",
	 .pol = "# first line\ntest.Service +argument @anyvm @default allow\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:2: allow action for @default rule must specify target= option"},
	/* 5.3 #41: TC_10 test_030 line 16 */
	{.id = "5.3#41p",
	 .pol = "# first line\n"
	        "test.Service +argument @anyvm @anyvm allow notify\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:2: invalid action parameter syntax: 'notify'"},
	/* 5.3 #41: TC_10 test_030 line 17 */
	{.id = "5.3#41q",
	 .pol = "# first line\n"
	        "test.Service +argument @anyvm @anyvm allow notify=xx\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:2: 'notify' is 'xx', but can be only 'yes' or 'no'"},
	/* 5.3 #41: TC_10 test_030 line 18 */
	{.id = "5.3#41r",
	 .pol = "# first line\n* +argument @anyvm @default allow\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:2: only * argument allowed for * service"},
	/* 5.3 #41 with space-separated parameters */
	{.id = "5.3#41sa",
	 .pol = "test.Service +argument @anyvm @default allow target=@dispvm:@tag:tag1\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid redirect token: '@dispvm:@tag:tag1'"},
	/* 5.3 #41 with space-separated parameters */
	{.id = "5.3#41sb",
	 .pol = "test.Service +argument @anyvm @default allow target=@tag:tag1\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid redirect token: '@tag:tag1'"},
	/* 5.3 #41 with space-separated parameters */
	{.id = "5.3#41sc",
	 .pol = "test.Service +argument @anyvm @default deny target=test-vm1\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid parameters for action Deny: ['target=test-vm1']"},
	/* 5.3 #41 with space-separated parameters */
	{.id = "5.3#41sd",
	 .pol = "test.Service +argument @anyvm @anyvm deny default_target=test-vm1\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid parameters for action Deny: ['default_target=test-vm1']"},
	/* 5.3 #41 with space-separated parameters */
	{.id = "5.3#41se",
	 .pol = "test.Service +argument @anyvm @anyvm deny user=user\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid parameters for action Deny: ['user=user']"},
	/* 5.3 #41 with space-separated parameters */
	{.id = "5.3#41sf",
	 .pol = "test.Service +argument @anyvm @anyvm allow invalid=xx\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid parameters for action Allow: ['invalid=xx']"},
	/* 5.3 #41 with space-separated parameters */
	{.id = "5.3#41sg",
	 .pol = "test.Service +argument @anyvm @anyvm allow default_target=test-vm1\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid parameters for action Allow: ['default_target=test-vm1']"},
	/* 5.3 #41: TC_11 test_030 line 1 (service format) */
	{.id = "5.3#41ta",
	 .pol = "!include-service test.Service +argument include/svc\n",
	 .files = (const struct tfile[]){
	 	{"d/include/svc", "# comment\n@dispvm @default allow\n", NULL},
	 	{NULL, NULL, NULL}},
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/include/svc:2: invalid source token: '@dispvm'"},
	/* 5.3 #41: TC_11 test_030 line 2 (service format) */
	{.id = "5.3#41tb",
	 .pol = "!include-service test.Service +argument include/svc\n",
	 .files = (const struct tfile[]){
	 	{"d/include/svc", "# comment\n@default @default allow\n", NULL},
	 	{NULL, NULL, NULL}},
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/include/svc:2: invalid source token: '@default'"},
	/* 5.3 #41: TC_11 test_030 line 3 (service format) */
	{.id = "5.3#41tc",
	 .pol = "!include-service test.Service +argument include/svc\n",
	 .files = (const struct tfile[]){
	 	{"d/include/svc", "# comment\n@anyvm @default allow,target=@dispvm:@tag:tag1\n", NULL},
	 	{NULL, NULL, NULL}},
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/include/svc:2: invalid redirect token: '@dispvm:@tag:tag1'"},
	/* 5.3 #41: TC_11 test_030 line 4 (service format) */
	{.id = "5.3#41td",
	 .pol = "!include-service test.Service +argument include/svc\n",
	 .files = (const struct tfile[]){
	 	{"d/include/svc", "# comment\n@anyvm @default allow,target=@tag:tag1\n", NULL},
	 	{NULL, NULL, NULL}},
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/include/svc:2: invalid redirect token: '@tag:tag1'"},
	/* 5.3 #41: TC_11 test_030 line 5 (service format) */
	{.id = "5.3#41te",
	 .pol = "!include-service test.Service +argument include/svc\n",
	 .files = (const struct tfile[]){
	 	{"d/include/svc", "# comment\n@anyvm @default deny,target=test-vm1\n", NULL},
	 	{NULL, NULL, NULL}},
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/include/svc:2: invalid parameters for action Deny: ['target=test-vm1']"},
	/* 5.3 #41: TC_11 test_030 line 6 (service format) */
	{.id = "5.3#41tf",
	 .pol = "!include-service test.Service +argument include/svc\n",
	 .files = (const struct tfile[]){
	 	{"d/include/svc", "# comment\n@anyvm @anyvm deny,default_target=test-vm1\n", NULL},
	 	{NULL, NULL, NULL}},
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/include/svc:2: invalid parameters for action Deny: ['default_target=test-vm1']"},
	/* 5.3 #41: TC_11 test_030 line 7 (service format) */
	{.id = "5.3#41tg",
	 .pol = "!include-service test.Service +argument include/svc\n",
	 .files = (const struct tfile[]){
	 	{"d/include/svc", "# comment\n@anyvm @anyvm deny,user=user\n", NULL},
	 	{NULL, NULL, NULL}},
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/include/svc:2: invalid parameters for action Deny: ['user=user']"},
	/* 5.3 #41: TC_11 test_030 line 8 (service format) */
	{.id = "5.3#41th",
	 .pol = "!include-service test.Service +argument include/svc\n",
	 .files = (const struct tfile[]){
	 	{"d/include/svc", "# comment\n@anyvm @anyvm invalid\n", NULL},
	 	{NULL, NULL, NULL}},
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/include/svc:2: invalid action: invalid"},
	/* 5.3 #41: TC_11 test_030 line 9 (service format) */
	{.id = "5.3#41ti",
	 .pol = "!include-service test.Service +argument include/svc\n",
	 .files = (const struct tfile[]){
	 	{"d/include/svc", "# comment\n@anyvm @anyvm allow,invalid=xx\n", NULL},
	 	{NULL, NULL, NULL}},
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/include/svc:2: invalid parameters for action Allow: ['invalid=xx']"},
	/* 5.3 #41: TC_11 test_030 line 10 (service format) */
	{.id = "5.3#41tj",
	 .pol = "!include-service test.Service +argument include/svc\n",
	 .files = (const struct tfile[]){
	 	{"d/include/svc", "# comment\n@anyvm @anyvm\n", NULL},
	 	{NULL, NULL, NULL}},
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/include/svc:2: wrong number of fields"},
	/* 5.3 #41: TC_11 test_030 line 11 (service format) */
	{.id = "5.3#41tk",
	 .pol = "!include-service test.Service +argument include/svc\n",
	 .files = (const struct tfile[]){
	 	{"d/include/svc", "# comment\n@anyvm @anyvm allow,default_target=test-vm1\n", NULL},
	 	{NULL, NULL, NULL}},
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/include/svc:2: invalid parameters for action Allow: ['default_target=test-vm1']"},
	/* 5.3 #41: TC_11 test_030 line 12 (service format) */
	{.id = "5.3#41tl",
	 .pol = "!include-service test.Service +argument include/svc\n",
	 .files = (const struct tfile[]){
	 	{"d/include/svc", "# comment\n@invalid @anyvm allow\n", NULL},
	 	{NULL, NULL, NULL}},
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/include/svc:2: invalid source token: '@invalid'"},
	/* 5.3 #41: TC_11 test_030 line 13 (service format) */
	{.id = "5.3#41tm",
	 .pol = "!include-service test.Service +argument include/svc\n",
	 .files = (const struct tfile[]){
	 	{"d/include/svc", "# comment\n@anyvm @invalid deny\n", NULL},
	 	{NULL, NULL, NULL}},
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/include/svc:2: invalid target token: '@invalid'"},
	/* 5.3 #41: TC_11 test_030 line 14 (service format) */
	{.id = "5.3#41tn",
	 .pol = "!include-service test.Service +argument include/svc\n",
	 .files = (const struct tfile[]){
	 	{"d/include/svc", "# comment\n@anyvm @anyvm allow extra\n", NULL},
	 	{NULL, NULL, NULL}},
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/include/svc:2: invalid action parameter syntax: 'extra'"},
	/* 5.3 #41: TC_11 test_030 line 15 (service format) */
	{.id = "5.3#41to",
	 .pol = "!include-service test.Service +argument include/svc\n",
	 .files = (const struct tfile[]){
	 	{"d/include/svc", "# comment\n@anyvm @default allow\n", NULL},
	 	{NULL, NULL, NULL}},
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/include/svc:2: allow action for @default rule must specify target= option"},
	/* 5.3 #42: $ and , substitutions */
	{.id = "5.3#42",
	 .pol = "!include-service * * include/old-syntax\n",
	 .files = (const struct tfile[]){
	 	{"d/include/old-syntax", "test-vm2 test-vm3 ask\n# comment with whitespace  \n$anyvm $dispvm ask,default_target=$dispvm\n", NULL},
	 	{NULL, NULL, NULL}},
	 .src = "test-vm3", .tgt = "test-vm1",
	 .xv = XV_DENY, .notify = YES,
	 .msg = "no matching rule found"},
	/* 5.3 #42: $ and , substitutions */
	{.id = "5.3#42b",
	 .pol = "!include-service * * include/old-syntax\n",
	 .files = (const struct tfile[]){
	 	{"d/include/old-syntax", "test-vm2 test-vm3 ask\n# comment with whitespace  \n$anyvm $dispvm ask,default_target=$dispvm\n", NULL},
	 	{NULL, NULL, NULL}},
	 .src = "test-vm3", .tgt = "@dispvm",
	 .xv = XV_ASK, .autostart = YES, .notify = NO, .line = 3,
	 .cands = "@dispvm:default-dvm", .deflt = "@dispvm:default-dvm",
	 .rule = "*\t*\t@anyvm\t@dispvm\task default_target=@dispvm"},
	/* 5.3 #43: !compat-4.0 */
	{.id = "5.3#43",
	 .pol = "!compat-4.0\n",
	 .files = (const struct tfile[]){
	 	{"l/test.Allow", "$anyvm $anyvm allow\n", NULL},
	 	{NULL, NULL, NULL}},
	 .svc = "test.Allow", .arg = "+", .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_ALLOW, .target = "test-vm2", .autostart = YES, .notify = NO, .line = 1},
	/* 5.3 #44: implicit deny after an argument-specific legacy file */
	{.id = "5.3#44a",
	 .pol = "!compat-4.0\n"
	        "test.ImplicitDeny * @anyvm @anyvm allow\n"
	        "test.AllowAfter * @anyvm @anyvm allow\n",
	 .files = (const struct tfile[]){
	 	{"l/test.ImplicitDeny+arg", "test-vm1 test-vm2 allow\n", NULL},
	 	{"l/test.AllowAfter", "test-vm1 test-vm2 allow\n", NULL},
	 	{NULL, NULL, NULL}},
	 .svc = "test.ImplicitDeny", .arg = "+arg", .src = "test-vm1", .tgt = "test-vm3",
	 .xv = XV_DENY, .notify = YES,
	 .msg = "denied by policy @L@/test.ImplicitDeny+arg:None"},
	/* 5.3 #44: the legacy rule itself */
	{.id = "5.3#44b",
	 .pol = "!compat-4.0\n"
	        "test.ImplicitDeny * @anyvm @anyvm allow\n"
	        "test.AllowAfter * @anyvm @anyvm allow\n",
	 .files = (const struct tfile[]){
	 	{"l/test.ImplicitDeny+arg", "test-vm1 test-vm2 allow\n", NULL},
	 	{"l/test.AllowAfter", "test-vm1 test-vm2 allow\n", NULL},
	 	{NULL, NULL, NULL}},
	 .svc = "test.ImplicitDeny", .arg = "+arg", .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_ALLOW, .target = "test-vm2", .autostart = YES, .notify = NO, .line = 1,
	 .rule = "test.ImplicitDeny\t+arg\ttest-vm1\ttest-vm2\tallow"},
	/* 5.3 #44: no implicit deny after a plain legacy file */
	{.id = "5.3#44c",
	 .pol = "!compat-4.0\n"
	        "test.ImplicitDeny * @anyvm @anyvm allow\n"
	        "test.AllowAfter * @anyvm @anyvm allow\n",
	 .files = (const struct tfile[]){
	 	{"l/test.ImplicitDeny+arg", "test-vm1 test-vm2 allow\n", NULL},
	 	{"l/test.AllowAfter", "test-vm1 test-vm2 allow\n", NULL},
	 	{NULL, NULL, NULL}},
	 .svc = "test.AllowAfter", .arg = "+arg", .src = "test-vm1", .tgt = "test-vm3",
	 .xv = XV_ALLOW, .target = "test-vm3", .autostart = YES, .notify = NO, .line = 3},
	/* 5.3 #44: other arguments are not covered by the implicit deny */
	{.id = "5.3#44d",
	 .pol = "!compat-4.0\n"
	        "test.ImplicitDeny * @anyvm @anyvm allow\n"
	        "test.AllowAfter * @anyvm @anyvm allow\n",
	 .files = (const struct tfile[]){
	 	{"l/test.ImplicitDeny+arg", "test-vm1 test-vm2 allow\n", NULL},
	 	{"l/test.AllowAfter", "test-vm1 test-vm2 allow\n", NULL},
	 	{NULL, NULL, NULL}},
	 .svc = "test.ImplicitDeny", .arg = "+other", .src = "test-vm1", .tgt = "test-vm3",
	 .xv = XV_ALLOW, .target = "test-vm3", .autostart = YES, .notify = NO, .line = 2},
	/* 5.3 #44: the second implicit deny (@anyvm @adminvm) */
	{.id = "5.3#44e",
	 .pol = "!compat-4.0\n"
	        "test.ImplicitDeny * @anyvm @anyvm allow\n"
	        "test.AllowAfter * @anyvm @anyvm allow\n",
	 .files = (const struct tfile[]){
	 	{"l/test.ImplicitDeny+arg", "test-vm1 test-vm2 allow\n", NULL},
	 	{"l/test.AllowAfter", "test-vm1 test-vm2 allow\n", NULL},
	 	{NULL, NULL, NULL}},
	 .svc = "test.ImplicitDeny", .arg = "+arg", .src = "test-vm1", .tgt = "@adminvm",
	 .xv = XV_DENY, .notify = YES,
	 .msg = "denied by policy @L@/test.ImplicitDeny+arg:None"},
	/* 5.3 #45: rule text */
	{.id = "5.3#45a",
	 .pol = "test.Service +argument @tag:tag1 @type:AppVM ask target=test-vm2 user=user\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_ASK, .user = "user", .autostart = YES, .notify = NO, .line = 1,
	 .cands = "test-vm2",
	 .rule = "test.Service\t+argument\t@tag:tag1\t@type:AppVM\task target=test-vm2 user=user"},
	/* 5.3 #45: rule text (notify, autostart not printed) */
	{.id = "5.3#45b",
	 .pol = "test.Service * @anyvm @dispvm:default-dvm allow user=u notify=yes autostart=no\n",
	 .src = "test-vm1", .tgt = "@dispvm:default-dvm",
	 .xv = XV_DENY, .notify = YES, .line = 1,
	 .msg = "target @dispvm:default-dvm is denied because it would require autostart",
	 .rule = "test.Service\t*\t@anyvm\t@dispvm:default-dvm\tallow user=u"},
	/* 5.3 #45 */
	{.id = "5.3#45c",
	 .pol = "test.Service +argument @anyvm @anyvm deny notify=no\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_DENY, .notify = NO, .line = 1,
	 .msg = "denied by policy @D@/10-test.policy:1",
	 .rule = "test.Service\t+argument\t@anyvm\t@anyvm\tdeny"},
	/* [ran] @anyvm @anyvm allow: @dispvm */
	{.id = "ran-dispvm",
	 .pol = "* * @anyvm @anyvm allow\n",
	 .src = "test-vm1", .tgt = "@dispvm",
	 .xv = XV_ALLOW, .target = "@dispvm:default-dvm", .autostart = YES, .notify = NO, .line = 1,
	 .reply = "user=DEFAULT\n"
	          "result=allow\n"
	          "target=@dispvm:default-dvm\n"
	          "target_uuid=@dispvm:uuid:f3e538bd-4427-4697-bed7-45ef3270df21\n"
	          "autostart=True\n"
	          "requested_target=@dispvm"},
	/* [ran] not a dvm template */
	{.id = "ran-dispvm-notdvm",
	 .pol = "* * @anyvm @anyvm allow\n",
	 .src = "test-vm1", .tgt = "@dispvm:test-vm1",
	 .xv = XV_DENY, .notify = YES,
	 .msg = "not a template for dispvm: test-vm1"},
	/* [ran] @anyvm as requested target */
	{.id = "ran-anyvm-req",
	 .pol = "* * @anyvm @anyvm allow\n",
	 .src = "test-vm1", .tgt = "@anyvm",
	 .xv = XV_DENY, .notify = NO,
	 .msg = "invalid intendedtarget token: '@anyvm'"},
	/* [ran] empty target is @default */
	{.id = "ran-empty-req",
	 .pol = "* * @anyvm @anyvm allow\n",
	 .src = "test-vm1", .tgt = "",
	 .xv = XV_DENY, .notify = YES, .line = 1,
	 .msg = "policy define 'allow' action at @D@/10-test.policy:1 but no target is specified by caller or policy"},
	/* [ran] @anyvm source does not match dom0 */
	{.id = "ran-from-dom0",
	 .pol = "* * @anyvm @anyvm allow\n",
	 .src = "dom0", .tgt = "test-vm1",
	 .xv = XV_DENY, .notify = YES,
	 .msg = "no matching rule found"},
	/* [ran] * source matches dom0 */
	{.id = "ran-from-dom0-star",
	 .pol = "* * * @anyvm allow\n",
	 .src = "dom0", .tgt = "test-vm1",
	 .xv = XV_ALLOW, .target = "test-vm1", .autostart = YES, .notify = NO, .line = 1,
	 .reply = "user=DEFAULT\n"
	          "result=allow\n"
	          "target=test-vm1\n"
	          "target_uuid=uuid:c9024a97-9b15-46cc-8341-38d75d5d421b\n"
	          "autostart=True\n"
	          "requested_target=test-vm1"},
	/* [ran] @adminvm source matches dom0 */
	{.id = "ran-from-dom0-adminvm",
	 .pol = "* * @adminvm @anyvm allow\n",
	 .src = "dom0", .tgt = "test-vm1",
	 .xv = XV_ALLOW, .target = "test-vm1", .autostart = YES, .notify = NO, .line = 1,
	 .reply = "user=DEFAULT\n"
	          "result=allow\n"
	          "target=test-vm1\n"
	          "target_uuid=uuid:c9024a97-9b15-46cc-8341-38d75d5d421b\n"
	          "autostart=True\n"
	          "requested_target=test-vm1"},
	/* [ran] uuid:0 target kept, reply says dom0 */
	{.id = "ran-uuid0-req",
	 .pol = "* * @anyvm dom0 allow\n",
	 .src = "test-vm1", .tgt = "uuid:00000000-0000-0000-0000-000000000000",
	 .xv = XV_ALLOW, .target = "uuid:00000000-0000-0000-0000-000000000000", .autostart = YES, .notify = NO, .line = 1,
	 .reply = "user=DEFAULT\n"
	          "result=allow\n"
	          "target=dom0\n"
	          "autostart=True\n"
	          "requested_target=uuid:00000000-0000-0000-0000-000000000000"},
	/* [ran] uuid: rule token matches the name */
	{.id = "ran-uuid-rule",
	 .pol = "* * test-vm1 uuid:b3eb69d0-f9d9-4c3c-ad5c-454500303ea4 allow\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_ALLOW, .target = "test-vm2", .autostart = YES, .notify = NO, .line = 1,
	 .reply = "user=DEFAULT\n"
	          "result=allow\n"
	          "target=test-vm2\n"
	          "target_uuid=uuid:b3eb69d0-f9d9-4c3c-ad5c-454500303ea4\n"
	          "autostart=True\n"
	          "requested_target=test-vm2"},
	/* [ran] uuid: request matches the name rule, target kept as uuid */
	{.id = "ran-uuid-req",
	 .pol = "* * test-vm1 test-vm2 allow\n",
	 .src = "test-vm1", .tgt = "uuid:b3eb69d0-f9d9-4c3c-ad5c-454500303ea4",
	 .xv = XV_ALLOW, .target = "uuid:b3eb69d0-f9d9-4c3c-ad5c-454500303ea4", .autostart = YES, .notify = NO, .line = 1,
	 .reply = "user=DEFAULT\n"
	          "result=allow\n"
	          "target=uuid:b3eb69d0-f9d9-4c3c-ad5c-454500303ea4\n"
	          "target_uuid=uuid:b3eb69d0-f9d9-4c3c-ad5c-454500303ea4\n"
	          "autostart=True\n"
	          "requested_target=uuid:b3eb69d0-f9d9-4c3c-ad5c-454500303ea4"},
	/* [ran] autostart=no refuses @dispvm */
	{.id = "ran-autostart-dispvm",
	 .pol = "* * @anyvm @anyvm allow autostart=no\n",
	 .src = "test-vm1", .tgt = "@dispvm",
	 .xv = XV_DENY, .notify = NO, .line = 1,
	 .msg = "target @dispvm:default-dvm is denied because it would require autostart"},
	/* [ran] ask target=@adminvm offers dom0 */
	{.id = "ran-ask-adminvm",
	 .pol = "* * @anyvm @anyvm ask target=@adminvm\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_ASK, .autostart = YES, .notify = NO, .line = 1,
	 .cands = "dom0"},
	/* [ran] ask target=X offers X only */
	{.id = "ran-ask-vm4",
	 .pol = "* * @anyvm @anyvm ask target=test-vm4\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_ASK, .autostart = YES, .notify = NO, .line = 1,
	 .cands = "test-vm4"},
	/* [ran] internal qubes can be allowed */
	{.id = "ran-internal-allow",
	 .pol = "* * @anyvm internal-vm allow\n",
	 .src = "test-vm1", .tgt = "internal-vm",
	 .xv = XV_ALLOW, .target = "internal-vm", .autostart = YES, .notify = NO, .line = 1,
	 .reply = "user=DEFAULT\n"
	          "result=allow\n"
	          "target=internal-vm\n"
	          "target_uuid=uuid:f3e538bd-4427-4697-bed7-45ef3270df23\n"
	          "autostart=True\n"
	          "requested_target=internal-vm"},
	/* [ran] internal qubes are never offered */
	{.id = "ran-internal-ask",
	 .pol = "* * @anyvm internal-vm ask\n",
	 .src = "test-vm1", .tgt = "internal-vm",
	 .xv = XV_DENY, .notify = YES, .line = 1,
	 .msg = "policy define 'ask' action at @D@/10-test.policy:1 but no target is available to choose from"},
	/* [ran] the default_dispvm is not checked */
	{.id = "ran-invalid-dvm",
	 .pol = "* * @anyvm @dispvm allow\n",
	 .src = "test-invalid-dvm", .tgt = "@dispvm",
	 .xv = XV_ALLOW, .target = "@dispvm:test-vm1", .autostart = YES, .notify = NO, .line = 1,
	 .reply = "user=DEFAULT\n"
	          "result=allow\n"
	          "target=@dispvm:test-vm1\n"
	          "target_uuid=@dispvm:uuid:c9024a97-9b15-46cc-8341-38d75d5d421b\n"
	          "autostart=True\n"
	          "requested_target=@dispvm"},
	/* [ran] + matches only the empty argument */
	{.id = "ran-svc-arg",
	 .pol = "test.Service + @anyvm @anyvm allow\n* * @anyvm @anyvm deny\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_DENY, .notify = YES, .line = 2,
	 .msg = "denied by policy @D@/10-test.policy:2"},
	/* [ran] + matches the empty argument */
	{.id = "ran-svc-emptyarg",
	 .pol = "test.Service + @anyvm @anyvm allow\n* * @anyvm @anyvm deny\n",
	 .arg = "+", .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_ALLOW, .target = "test-vm2", .autostart = YES, .notify = NO, .line = 1},
	/* [ran] !include inside a service-format file */
	{.id = "ran-svc-include",
	 .pol = "!include-service test.Service +argument include/svc\n",
	 .files = (const struct tfile[]){
	 	{"d/include/svc", "!include include/svc2\ntest-vm1 test-vm3 deny\n", NULL},
	 	{"d/include/svc2", "$anyvm $anyvm allow,target=test-vm2\n", NULL},
	 	{NULL, NULL, NULL}},
	 .src = "test-vm1", .tgt = "test-vm3",
	 .xv = XV_ALLOW, .target = "test-vm2", .autostart = YES, .notify = NO, .line = 1,
	 .rule = "test.Service\t+argument\t@anyvm\t@anyvm\tallow target=test-vm2"},
	/* [ran] $include: inside a service-format file */
	{.id = "ran-svc-include-dollar",
	 .pol = "!include-service test.Service +argument include/svc\n",
	 .files = (const struct tfile[]){
	 	{"d/include/svc", "$include:include/svc2\n", NULL},
	 	{"d/include/svc2", "test-vm1 test-vm3 allow\n", NULL},
	 	{NULL, NULL, NULL}},
	 .src = "test-vm1", .tgt = "test-vm3",
	 .xv = XV_ALLOW, .target = "test-vm3", .autostart = YES, .notify = NO, .line = 1},
	/* [ran] only !include in a service-format file */
	{.id = "ran-svc-directivea",
	 .pol = "!include-service * * include/svc\n",
	 .files = (const struct tfile[]){
	 	{"d/include/svc", "# a\n!include-service test.Service +argument include/x\n", NULL},
	 	{"d/include/x", "", NULL},
	 	{NULL, NULL, NULL}},
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/include/svc:2: invalid directive"},
	/* [ran] only !include in a service-format file */
	{.id = "ran-svc-directiveb",
	 .pol = "!include-service * * include/svc\n",
	 .files = (const struct tfile[]){
	 	{"d/include/svc", "# a\n!compat-4.0\n", NULL},
	 	{"d/include/x", "", NULL},
	 	{NULL, NULL, NULL}},
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/include/svc:2: invalid directive"},
	/* [ran] only !include in a service-format file */
	{.id = "ran-svc-directivec",
	 .pol = "!include-service * * include/svc\n",
	 .files = (const struct tfile[]){
	 	{"d/include/svc", "# a\n!include-dir include\n", NULL},
	 	{"d/include/x", "", NULL},
	 	{NULL, NULL, NULL}},
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/include/svc:2: invalid directive"},
	/* [ran] only !include in a service-format file */
	{.id = "ran-svc-directived",
	 .pol = "!include-service * * include/svc\n",
	 .files = (const struct tfile[]){
	 	{"d/include/svc", "# a\n!include-dir\n", NULL},
	 	{"d/include/x", "", NULL},
	 	{NULL, NULL, NULL}},
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/include/svc:2: invalid directive"},
	/* [ran] just_evaluate: ask is deny */
	{.id = "ran-je-ask",
	 .pol = "* * @anyvm @anyvm ask\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_ASK, .autostart = YES, .notify = NO, .line = 1,
	 .cands = "@dispvm:default-dvm @dispvm:test-vm3 @dispvm:test-vm4 default-dvm "
	          "test-invalid-dvm test-no-dvm test-relayvm1 test-remotevm1 "
	          "test-standalone test-template test-vm2 test-vm3 test-vm4 "
	          "test2-relayvm1 test2-relayvm2 test2-remotevm1 test2-remotevm2 "
	          "test2-vm1",
	 .decide = D_RUN | D_JE,
	 .decided = "result=deny"},
	/* [ran] just_evaluate + assume_yes */
	{.id = "ran-je-ay-ask",
	 .pol = "* * @anyvm @anyvm ask\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_ASK, .autostart = YES, .notify = NO, .line = 1,
	 .cands = "@dispvm:default-dvm @dispvm:test-vm3 @dispvm:test-vm4 default-dvm "
	          "test-invalid-dvm test-no-dvm test-relayvm1 test-remotevm1 "
	          "test-standalone test-template test-vm2 test-vm3 test-vm4 "
	          "test2-relayvm1 test2-relayvm2 test2-remotevm1 test2-remotevm2 "
	          "test2-vm1",
	 .decide = D_RUN | D_JE | D_AY,
	 .decided = "result=allow"},
	/* [ran] assume_yes answers the requested target */
	{.id = "ran-ay-ask",
	 .pol = "* * @anyvm @anyvm ask\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_ASK, .autostart = YES, .notify = NO, .line = 1,
	 .cands = "@dispvm:default-dvm @dispvm:test-vm3 @dispvm:test-vm4 default-dvm "
	          "test-invalid-dvm test-no-dvm test-relayvm1 test-remotevm1 "
	          "test-standalone test-template test-vm2 test-vm3 test-vm4 "
	          "test2-relayvm1 test2-relayvm2 test2-remotevm1 test2-remotevm2 "
	          "test2-vm1",
	 .decide = D_RUN | D_AY,
	 .decided = "user=DEFAULT\n"
	            "result=allow\n"
	            "target=test-vm2\n"
	            "target_uuid=uuid:b3eb69d0-f9d9-4c3c-ad5c-454500303ea4\n"
	            "autostart=True\n"
	            "requested_target=test-vm2"},
	/* [ran] assume_yes for @default */
	{.id = "ran-ay-default",
	 .pol = "* * @anyvm @default ask target=test-vm2\n",
	 .src = "test-vm1", .tgt = "@default",
	 .xv = XV_ASK, .autostart = YES, .notify = NO, .line = 1,
	 .cands = "test-vm2",
	 .decide = D_RUN | D_JE | D_AY,
	 .decided = "result=deny"},
	/* [ran] assume_yes with a different target= */
	{.id = "ran-ay-redirect",
	 .pol = "* * @anyvm @anyvm ask target=test-vm3\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_ASK, .autostart = YES, .notify = NO, .line = 1,
	 .cands = "test-vm3",
	 .decide = D_RUN | D_JE | D_AY,
	 .decided = "result=deny"},
	/* just_evaluate allow prints only result=allow */
	{.id = "ran-je-allow",
	 .pol = "* * @anyvm @anyvm allow\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_ALLOW, .target = "test-vm2", .autostart = YES, .notify = NO, .line = 1,
	 .decide = D_RUN | D_JE,
	 .decided = "result=allow"},
	/* no flags: the full reply */
	{.id = "ran-exec-allow",
	 .pol = "* * @anyvm @anyvm allow\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_ALLOW, .target = "test-vm2", .autostart = YES, .notify = NO, .line = 1,
	 .decide = D_RUN,
	 .decided = "user=DEFAULT\n"
	            "result=allow\n"
	            "target=test-vm2\n"
	            "target_uuid=uuid:b3eb69d0-f9d9-4c3c-ad5c-454500303ea4\n"
	            "autostart=True\n"
	            "requested_target=test-vm2"},
	/* no flags: deny */
	{.id = "ran-exec-deny",
	 .pol = "* * @anyvm @anyvm deny\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_DENY, .notify = YES, .line = 1,
	 .msg = "denied by policy @D@/10-test.policy:1",
	 .decide = D_RUN,
	 .decided = "result=deny"},
	/* source token test-vm1 against source 'test-vm1' */
	{.id = "tok-srca",
	 .pol = "* * test-vm1 * deny notify=no\n"
	        "* * * * allow target=test-vm4\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_DENY, .notify = NO, .line = 1,
	 .msg = "denied by policy @D@/10-test.policy:1"},
	/* source token dom0 against source 'dom0' */
	{.id = "tok-srcb",
	 .pol = "* * dom0 * deny notify=no\n* * * * allow target=test-vm4\n",
	 .src = "dom0", .tgt = "test-vm2",
	 .xv = XV_DENY, .notify = NO, .line = 1,
	 .msg = "denied by policy @D@/10-test.policy:1"},
	/* source token uuid:c9024a97-9b15-46cc-8341-38d75d5d421b against source 'test-vm1' */
	{.id = "tok-srcc",
	 .pol = "* * uuid:c9024a97-9b15-46cc-8341-38d75d5d421b * deny notify=no\n"
	        "* * * * allow target=test-vm4\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_DENY, .notify = NO, .line = 1,
	 .msg = "denied by policy @D@/10-test.policy:1"},
	/* source token * against source 'test-vm1' */
	{.id = "tok-srcd",
	 .pol = "* * * * deny notify=no\n* * * * allow target=test-vm4\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_DENY, .notify = NO, .line = 1,
	 .msg = "denied by policy @D@/10-test.policy:1"},
	/* source token @anyvm against source 'test-vm1' */
	{.id = "tok-srce",
	 .pol = "* * @anyvm * deny notify=no\n* * * * allow target=test-vm4\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_DENY, .notify = NO, .line = 1,
	 .msg = "denied by policy @D@/10-test.policy:1"},
	/* source token @adminvm against source 'dom0' */
	{.id = "tok-srcf",
	 .pol = "* * @adminvm * deny notify=no\n"
	        "* * * * allow target=test-vm4\n",
	 .src = "dom0", .tgt = "test-vm2",
	 .xv = XV_DENY, .notify = NO, .line = 1,
	 .msg = "denied by policy @D@/10-test.policy:1"},
	/* source token @type:AppVM against source 'test-vm1' */
	{.id = "tok-srcg",
	 .pol = "* * @type:AppVM * deny notify=no\n"
	        "* * * * allow target=test-vm4\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_DENY, .notify = NO, .line = 1,
	 .msg = "denied by policy @D@/10-test.policy:1"},
	/* source token @type:TemplateVM against source 'test-template' */
	{.id = "tok-srch",
	 .pol = "* * @type:TemplateVM * deny notify=no\n"
	        "* * * * allow target=test-vm4\n",
	 .src = "test-template", .tgt = "test-vm2",
	 .xv = XV_DENY, .notify = NO, .line = 1,
	 .msg = "denied by policy @D@/10-test.policy:1"},
	/* source token @tag:tag3 against source 'test-vm3' */
	{.id = "tok-srci",
	 .pol = "* * @tag:tag3 * deny notify=no\n"
	        "* * * * allow target=test-vm4\n",
	 .src = "test-vm3", .tgt = "test-vm2",
	 .xv = XV_DENY, .notify = NO, .line = 1,
	 .msg = "denied by policy @D@/10-test.policy:1"},
	/* source token @dispvm:default-dvm against source 'test-vm1' */
	{.id = "tok-srcj",
	 .pol = "* * @dispvm:default-dvm * deny notify=no\n"
	        "* * * * allow target=test-vm4\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_ALLOW, .target = "test-vm4", .autostart = YES, .notify = NO, .line = 2},
	/* source token @dispvm:@tag:tag1 against source 'test-vm1' */
	{.id = "tok-srck",
	 .pol = "* * @dispvm:@tag:tag1 * deny notify=no\n"
	        "* * * * allow target=test-vm4\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_ALLOW, .target = "test-vm4", .autostart = YES, .notify = NO, .line = 2},
	/* source token @dispvm:default-dvm against source '@dispvm:default-dvm' */
	{.id = "tok-srcl",
	 .pol = "* * @dispvm:default-dvm * deny notify=no\n"
	        "* * * * allow target=test-vm4\n",
	 .src = "@dispvm:default-dvm", .tgt = "test-vm2",
	 .xv = XV_ALLOW, .target = "test-vm4", .autostart = YES, .notify = NO, .line = 2},
	/* source token $anyvm against source 'test-vm1' */
	{.id = "tok-srcm",
	 .pol = "* * $anyvm * deny notify=no\n* * * * allow target=test-vm4\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_ALLOW, .target = "test-vm4", .autostart = YES, .notify = NO, .line = 2},
	/* source token @type:AppVM against source 'uuid:c9024a97-9b15-46cc-8341-38d75d5d421b' */
	{.id = "tok-srcn",
	 .pol = "* * @type:AppVM * deny notify=no\n"
	        "* * * * allow target=test-vm4\n",
	 .src = "uuid:c9024a97-9b15-46cc-8341-38d75d5d421b", .tgt = "test-vm2",
	 .xv = XV_DENY, .notify = NO, .line = 1,
	 .msg = "denied by policy @D@/10-test.policy:1"},
	/* source token test-vm1 against source 'uuid:c9024a97-9b15-46cc-8341-38d75d5d421b' */
	{.id = "tok-srco",
	 .pol = "* * test-vm1 * deny notify=no\n"
	        "* * * * allow target=test-vm4\n",
	 .src = "uuid:c9024a97-9b15-46cc-8341-38d75d5d421b", .tgt = "test-vm2",
	 .xv = XV_DENY, .notify = NO, .line = 1,
	 .msg = "denied by policy @D@/10-test.policy:1"},
	/* source token uuid:00000000-0000-0000-0000-000000000000 against source 'dom0' */
	{.id = "tok-srcp",
	 .pol = "* * uuid:00000000-0000-0000-0000-000000000000 * deny notify=no\n"
	        "* * * * allow target=test-vm4\n",
	 .src = "dom0", .tgt = "test-vm2",
	 .xv = XV_DENY, .notify = NO, .line = 1,
	 .msg = "denied by policy @D@/10-test.policy:1"},
	/* source token dom0 against source '@adminvm' */
	{.id = "tok-srcq",
	 .pol = "* * dom0 * deny notify=no\n* * * * allow target=test-vm4\n",
	 .src = "@adminvm", .tgt = "test-vm2",
	 .xv = XV_DENY, .notify = NO, .line = 1,
	 .msg = "denied by policy @D@/10-test.policy:1"},
	/* invalid source token @default */
	{.id = "tok-src-bada",
	 .pol = "* * @default @anyvm allow\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid source token: '@default'"},
	/* invalid source token @dispvm */
	{.id = "tok-src-badb",
	 .pol = "* * @dispvm @anyvm allow\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid source token: '@dispvm'"},
	/* invalid source token @invalid */
	{.id = "tok-src-badc",
	 .pol = "* * @invalid @anyvm allow\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid source token: '@invalid'"},
	/* invalid source token @uuid:c9024a97-9b15-46cc-8341-38d75d5d421b */
	{.id = "tok-src-badd",
	 .pol = "* * @uuid:c9024a97-9b15-46cc-8341-38d75d5d421b @anyvm allow\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid source token: '@uuid:c9024a97-9b15-46cc-8341-38d75d5d421b'"},
	/* invalid source token @uuid: */
	{.id = "tok-src-bade",
	 .pol = "* * @uuid: @anyvm allow\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid source token: '@uuid:'"},
	/* invalid source token @tag: */
	{.id = "tok-src-badf",
	 .pol = "* * @tag: @anyvm allow\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid empty @tag: token: '@tag:'"},
	/* invalid source token @type: */
	{.id = "tok-src-badg",
	 .pol = "* * @type: @anyvm allow\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid empty @type: token: '@type:'"},
	/* invalid source token @dispvm: */
	{.id = "tok-src-badh",
	 .pol = "* * @dispvm: @anyvm allow\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid empty @dispvm: token: '@dispvm:'"},
	/* invalid source token @dispvm:@tag: */
	{.id = "tok-src-badi",
	 .pol = "* * @dispvm:@tag: @anyvm allow\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid empty @dispvm:@tag: token: '@dispvm:@tag:'"},
	/* invalid source token @dispvm:@foo */
	{.id = "tok-src-badj",
	 .pol = "* * @dispvm:@foo @anyvm allow\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid source token: '@dispvm:@foo'"},
	/* invalid source token @tag:@x */
	{.id = "tok-src-badk",
	 .pol = "* * @tag:@x @anyvm allow\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid source token: '@tag:@x'"},
	/* invalid source token @ANYVM */
	{.id = "tok-src-badl",
	 .pol = "* * @ANYVM @anyvm allow\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid source token: '@ANYVM'"},
	/* invalid source token @ */
	{.id = "tok-src-badm",
	 .pol = "* * @ @anyvm allow\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid source token: '@'"},
	/* invalid source token @anyvm:x */
	{.id = "tok-src-badn",
	 .pol = "* * @anyvm:x @anyvm allow\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid source token: '@anyvm:x'"},
	/* invalid target token @uuid:c9024a97-9b15-46cc-8341-38d75d5d421b */
	{.id = "tok-tgt-bada",
	 .pol = "* * @anyvm @uuid:c9024a97-9b15-46cc-8341-38d75d5d421b allow\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid target token: '@uuid:c9024a97-9b15-46cc-8341-38d75d5d421b'"},
	/* invalid target token @invalid */
	{.id = "tok-tgt-badb",
	 .pol = "* * @anyvm @invalid allow\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid target token: '@invalid'"},
	/* invalid target token @tag: */
	{.id = "tok-tgt-badc",
	 .pol = "* * @anyvm @tag: allow\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid empty @tag: token: '@tag:'"},
	/* invalid target token @type: */
	{.id = "tok-tgt-badd",
	 .pol = "* * @anyvm @type: allow\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid empty @type: token: '@type:'"},
	/* invalid target token @dispvm: */
	{.id = "tok-tgt-bade",
	 .pol = "* * @anyvm @dispvm: allow\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid empty @dispvm: token: '@dispvm:'"},
	/* invalid target token @dispvm:@tag: */
	{.id = "tok-tgt-badf",
	 .pol = "* * @anyvm @dispvm:@tag: allow\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid empty @dispvm:@tag: token: '@dispvm:@tag:'"},
	/* invalid target token @dispvm:@x */
	{.id = "tok-tgt-badg",
	 .pol = "* * @anyvm @dispvm:@x allow\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid target token: '@dispvm:@x'"},
	/* invalid target token @Default */
	{.id = "tok-tgt-badh",
	 .pol = "* * @anyvm @Default allow\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid target token: '@Default'"},
	/* target token @type:AppVM against 'test-vm2' */
	{.id = "tok-tgta",
	 .pol = "* * test-vm1 @type:AppVM deny notify=no\n"
	        "* * * * allow target=test-vm4\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_DENY, .notify = NO, .line = 1,
	 .msg = "denied by policy @D@/10-test.policy:1"},
	/* target token @type:AppVM against 'uuid:b3eb69d0-f9d9-4c3c-ad5c-454500303ea4' */
	{.id = "tok-tgtb",
	 .pol = "* * test-vm1 @type:AppVM deny notify=no\n"
	        "* * * * allow target=test-vm4\n",
	 .src = "test-vm1", .tgt = "uuid:b3eb69d0-f9d9-4c3c-ad5c-454500303ea4",
	 .xv = XV_DENY, .notify = NO, .line = 1,
	 .msg = "denied by policy @D@/10-test.policy:1"},
	/* target token @tag:tag2 against 'test-vm2' */
	{.id = "tok-tgtc",
	 .pol = "* * test-vm1 @tag:tag2 deny notify=no\n"
	        "* * * * allow target=test-vm4\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_DENY, .notify = NO, .line = 1,
	 .msg = "denied by policy @D@/10-test.policy:1"},
	/* target token @dispvm:@tag:tag3 against '@dispvm:test-vm3' */
	{.id = "tok-tgtd",
	 .pol = "* * test-vm1 @dispvm:@tag:tag3 deny notify=no\n"
	        "* * * * allow target=test-vm4\n",
	 .src = "test-vm1", .tgt = "@dispvm:test-vm3",
	 .xv = XV_DENY, .notify = NO, .line = 1,
	 .msg = "denied by policy @D@/10-test.policy:1"},
	/* target token @dispvm:@tag:tag1 against '@dispvm' */
	{.id = "tok-tgte",
	 .pol = "* * test-vm1 @dispvm:@tag:tag1 deny notify=no\n"
	        "* * * * allow target=test-vm4\n",
	 .src = "test-vm1", .tgt = "@dispvm",
	 .xv = XV_ALLOW, .target = "test-vm4", .autostart = YES, .notify = NO, .line = 2},
	/* target token @dispvm:@tag:tag3 against '@dispvm' */
	{.id = "tok-tgtf",
	 .pol = "* * test-vm1 @dispvm:@tag:tag3 deny notify=no\n"
	        "* * * * allow target=test-vm4\n",
	 .src = "test-vm1", .tgt = "@dispvm",
	 .xv = XV_ALLOW, .target = "test-vm4", .autostart = YES, .notify = NO, .line = 2},
	/* target token @dispvm:test-vm3 against '@dispvm:uuid:fa6d56e8-a89d-4106-aa62-22e172a43c8b' */
	{.id = "tok-tgtg",
	 .pol = "* * test-vm1 @dispvm:test-vm3 deny notify=no\n"
	        "* * * * allow target=test-vm4\n",
	 .src = "test-vm1", .tgt = "@dispvm:uuid:fa6d56e8-a89d-4106-aa62-22e172a43c8b",
	 .xv = XV_DENY, .notify = NO, .line = 1,
	 .msg = "denied by policy @D@/10-test.policy:1"},
	/* target token @dispvm:uuid:fa6d56e8-a89d-4106-aa62-22e172a43c8b against '@dispvm:test-vm3' */
	{.id = "tok-tgth",
	 .pol = "* * test-vm1 @dispvm:uuid:fa6d56e8-a89d-4106-aa62-22e172a43c8b deny notify=no\n"
	        "* * * * allow target=test-vm4\n",
	 .src = "test-vm1", .tgt = "@dispvm:test-vm3",
	 .xv = XV_DENY, .notify = NO, .line = 1,
	 .msg = "denied by policy @D@/10-test.policy:1"},
	/* target token @dispvm against '@dispvm' */
	{.id = "tok-tgti",
	 .pol = "* * test-vm1 @dispvm deny notify=no\n"
	        "* * * * allow target=test-vm4\n",
	 .src = "test-vm1", .tgt = "@dispvm",
	 .xv = XV_DENY, .notify = NO, .line = 1,
	 .msg = "denied by policy @D@/10-test.policy:1"},
	/* target token uuid:ffffffff-0000-0000-0000-000000000000 against 'test-vm2' */
	{.id = "tok-tgtj",
	 .pol = "* * test-vm1 uuid:ffffffff-0000-0000-0000-000000000000 deny notify=no\n"
	        "* * * * allow target=test-vm4\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_ALLOW, .target = "test-vm4", .autostart = YES, .notify = NO, .line = 2},
	/* target token no-such-vm against '@default' */
	{.id = "tok-tgtk",
	 .pol = "* * test-vm1 no-such-vm deny notify=no\n"
	        "* * * * allow target=test-vm4\n",
	 .src = "test-vm1", .tgt = "@default",
	 .xv = XV_ALLOW, .target = "test-vm4", .autostart = YES, .notify = NO, .line = 2},
	/* target token $anyvm against 'test-vm2' */
	{.id = "tok-tgtl",
	 .pol = "* * test-vm1 $anyvm deny notify=no\n"
	        "* * * * allow target=test-vm4\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_ALLOW, .target = "test-vm4", .autostart = YES, .notify = NO, .line = 2},
	/* invalid redirect token '*' */
	{.id = "tok-redir-bada",
	 .pol = "* * @anyvm @anyvm allow target=*\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid redirect token: '*'"},
	/* invalid redirect token '@anyvm' */
	{.id = "tok-redir-badb",
	 .pol = "* * @anyvm @anyvm allow target=@anyvm\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid redirect token: '@anyvm'"},
	/* invalid redirect token '@default' */
	{.id = "tok-redir-badc",
	 .pol = "* * @anyvm @anyvm allow target=@default\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid redirect token: '@default'"},
	/* invalid redirect token '@type:AppVM' */
	{.id = "tok-redir-badd",
	 .pol = "* * @anyvm @anyvm allow target=@type:AppVM\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid redirect token: '@type:AppVM'"},
	/* invalid redirect token '@tag:tag1' */
	{.id = "tok-redir-bade",
	 .pol = "* * @anyvm @anyvm allow target=@tag:tag1\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid redirect token: '@tag:tag1'"},
	/* invalid redirect token '@dispvm:@tag:tag1' */
	{.id = "tok-redir-badf",
	 .pol = "* * @anyvm @anyvm allow target=@dispvm:@tag:tag1\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid redirect token: '@dispvm:@tag:tag1'"},
	/* invalid redirect token '@uuid:c9024a97-9b15-46cc-8341-38d75d5d421b' */
	{.id = "tok-redir-badg",
	 .pol = "* * @anyvm @anyvm allow target=@uuid:c9024a97-9b15-46cc-8341-38d75d5d421b\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid redirect token: '@uuid:c9024a97-9b15-46cc-8341-38d75d5d421b'"},
	/* invalid redirect token '' */
	{.id = "tok-redir-badh",
	 .pol = "* * @anyvm @anyvm allow target=\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid empty redirect token"},
	/* invalid redirect token '@dispvm:' */
	{.id = "tok-redir-badi",
	 .pol = "* * @anyvm @anyvm allow target=@dispvm:\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid empty @dispvm: token: '@dispvm:'"},
	/* invalid redirect token '@tag:' */
	{.id = "tok-redir-badj",
	 .pol = "* * @anyvm @anyvm allow target=@tag:\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid redirect token: '@tag:'"},
	/* invalid redirect token '@invalid' */
	{.id = "tok-redir-badk",
	 .pol = "* * @anyvm @anyvm allow target=@invalid\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid redirect token: '@invalid'"},
	/* invalid default_target '*' */
	{.id = "tok-deftgt-bada",
	 .pol = "* * @anyvm @anyvm ask default_target=*\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid redirect token: '*'"},
	/* invalid default_target '@anyvm' */
	{.id = "tok-deftgt-badb",
	 .pol = "* * @anyvm @anyvm ask default_target=@anyvm\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid redirect token: '@anyvm'"},
	/* invalid default_target '' */
	{.id = "tok-deftgt-badc",
	 .pol = "* * @anyvm @anyvm ask default_target=\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid empty redirect token"},
	/* invalid default_target '@type:AppVM' */
	{.id = "tok-deftgt-badd",
	 .pol = "* * @anyvm @anyvm ask default_target=@type:AppVM\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid redirect token: '@type:AppVM'"},
	/* a plain name is never checked at load time ($anyvm is a name in 4.1) */
	{.id = "tok-redir-name-unchecked",
	 .pol = "* * @anyvm @anyvm allow target=$anyvm\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_DENY, .notify = YES, .line = 1,
	 .msg = "policy define 'allow' action at @D@/10-test.policy:1 but no target is specified by caller or policy"},
	/* parameters: invalid action: case matters */
	{.id = "act-bada",
	 .pol = "* * @anyvm @anyvm allow\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_ALLOW, .target = "test-vm2", .autostart = YES, .notify = NO, .line = 1},
	/* parameters: Allow */
	{.id = "act-badb",
	 .pol = "* * @anyvm @anyvm Allow\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid action: Allow"},
	/* parameters: permit */
	{.id = "act-badc",
	 .pol = "* * @anyvm @anyvm permit\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid action: permit"},
	/* parameters: allow=yes */
	{.id = "act-badd",
	 .pol = "* * @anyvm @anyvm allow=yes\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid action: allow=yes"},
	/* parameters: no = */
	{.id = "act-bade",
	 .pol = "* * @anyvm @anyvm allow notify\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid action parameter syntax: 'notify'"},
	/* parameters: twice */
	{.id = "act-badf",
	 .pol = "* * @anyvm @anyvm allow user=a user=b\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: parameter given twice: 'user'"},
	/* parameters: twice */
	{.id = "act-badg",
	 .pol = "* * @anyvm @anyvm allow notify=yes notify=no\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: parameter given twice: 'notify'"},
	/* parameters: twice, unknown key */
	{.id = "act-badh",
	 .pol = "* * @anyvm @anyvm allow foo=1 foo=2\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: parameter given twice: 'foo'"},
	/* parameters: allow notify=xx */
	{.id = "act-badi",
	 .pol = "* * @anyvm @anyvm allow notify=xx\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: 'notify' is 'xx', but can be only 'yes' or 'no'"},
	/* parameters: allow autostart=maybe */
	{.id = "act-badj",
	 .pol = "* * @anyvm @anyvm allow autostart=maybe\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: 'autostart' is 'maybe', but can be only 'yes' or 'no'"},
	/* parameters: deny notify=YES */
	{.id = "act-badk",
	 .pol = "* * @anyvm @anyvm deny notify=YES\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: 'notify' is 'YES', but can be only 'yes' or 'no'"},
	/* parameters: deny takes no autostart */
	{.id = "act-badl",
	 .pol = "* * @anyvm @anyvm deny autostart=no\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid parameters for action Deny: ['autostart=no']"},
	/* parameters: deny target=test-vm1 user=u */
	{.id = "act-badm",
	 .pol = "* * @anyvm @anyvm deny target=test-vm1 user=u\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid parameters for action Deny: ['target=test-vm1', 'user=u']"},
	/* parameters: allow default_target=test-vm2 */
	{.id = "act-badn",
	 .pol = "* * @anyvm @anyvm allow default_target=test-vm2\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid parameters for action Allow: ['default_target=test-vm2']"},
	/* parameters: the whole list is printed */
	{.id = "act-bado",
	 .pol = "* * @anyvm @anyvm allow foo=bar user=x\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid parameters for action Allow: ['foo=bar', 'user=x']"},
	/* parameters: an empty key */
	{.id = "act-badp",
	 .pol = "* * @anyvm @anyvm ask =x\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid parameters for action Ask: ['=x']"},
	/* parameters: unknown key checked before the redirect */
	{.id = "act-badq",
	 .pol = "* * @anyvm @anyvm allow target= foo=bar\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid parameters for action Allow: ['target=', 'foo=bar']"},
	/* parameters: yes/no checked first */
	{.id = "act-badr",
	 .pol = "* * @anyvm @anyvm deny notify=xx target=x\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: 'notify' is 'xx', but can be only 'yes' or 'no'"},
	/* parameters: no inline comments */
	{.id = "act-bads",
	 .pol = "* * @anyvm @anyvm allow # comment\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid action parameter syntax: '#'"},
	/* parameters: allow autostart=no autostart=no */
	{.id = "act-badt",
	 .pol = "* * @anyvm @anyvm allow autostart=no autostart=no\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: parameter given twice: 'autostart'"},
	/* parameters: ask notify=1 */
	{.id = "act-badu",
	 .pol = "* * @anyvm @anyvm ask notify=1\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: 'notify' is '1', but can be only 'yes' or 'no'"},
	/* action allow */
	{.id = "acta",
	 .pol = "* * @anyvm @anyvm allow\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_ALLOW, .target = "test-vm2", .autostart = YES, .notify = NO, .line = 1,
	 .rule = "*\t*\t@anyvm\t@anyvm\tallow",
	 .reply = "user=DEFAULT\n"
	          "result=allow\n"
	          "target=test-vm2\n"
	          "target_uuid=uuid:b3eb69d0-f9d9-4c3c-ad5c-454500303ea4\n"
	          "autostart=True\n"
	          "requested_target=test-vm2"},
	/* action allow notify=yes */
	{.id = "actb",
	 .pol = "* * @anyvm @anyvm allow notify=yes\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_ALLOW, .target = "test-vm2", .autostart = YES, .notify = YES, .line = 1,
	 .rule = "*\t*\t@anyvm\t@anyvm\tallow",
	 .reply = "user=DEFAULT\n"
	          "result=allow\n"
	          "target=test-vm2\n"
	          "target_uuid=uuid:b3eb69d0-f9d9-4c3c-ad5c-454500303ea4\n"
	          "autostart=True\n"
	          "requested_target=test-vm2"},
	/* action allow notify=no autostart=yes */
	{.id = "actc",
	 .pol = "* * @anyvm @anyvm allow notify=no autostart=yes\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_ALLOW, .target = "test-vm2", .autostart = YES, .notify = NO, .line = 1,
	 .rule = "*\t*\t@anyvm\t@anyvm\tallow",
	 .reply = "user=DEFAULT\n"
	          "result=allow\n"
	          "target=test-vm2\n"
	          "target_uuid=uuid:b3eb69d0-f9d9-4c3c-ad5c-454500303ea4\n"
	          "autostart=True\n"
	          "requested_target=test-vm2"},
	/* action allow user=root */
	{.id = "actd",
	 .pol = "* * @anyvm @anyvm allow user=root\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_ALLOW, .target = "test-vm2", .user = "root", .autostart = YES, .notify = NO, .line = 1,
	 .rule = "*\t*\t@anyvm\t@anyvm\tallow user=root",
	 .reply = "user=root\n"
	          "result=allow\n"
	          "target=test-vm2\n"
	          "target_uuid=uuid:b3eb69d0-f9d9-4c3c-ad5c-454500303ea4\n"
	          "autostart=True\n"
	          "requested_target=test-vm2"},
	/* action allow user= */
	{.id = "acte",
	 .pol = "* * @anyvm @anyvm allow user=\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_ALLOW, .target = "test-vm2", .autostart = YES, .notify = NO, .line = 1,
	 .rule = "*\t*\t@anyvm\t@anyvm\tallow",
	 .reply = "user=DEFAULT\n"
	          "result=allow\n"
	          "target=test-vm2\n"
	          "target_uuid=uuid:b3eb69d0-f9d9-4c3c-ad5c-454500303ea4\n"
	          "autostart=True\n"
	          "requested_target=test-vm2"},
	/* action allow user=a=b */
	{.id = "actf",
	 .pol = "* * @anyvm @anyvm allow user=a=b\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_ALLOW, .target = "test-vm2", .user = "a=b", .autostart = YES, .notify = NO, .line = 1,
	 .rule = "*\t*\t@anyvm\t@anyvm\tallow user=a=b",
	 .reply = "user=a=b\n"
	          "result=allow\n"
	          "target=test-vm2\n"
	          "target_uuid=uuid:b3eb69d0-f9d9-4c3c-ad5c-454500303ea4\n"
	          "autostart=True\n"
	          "requested_target=test-vm2"},
	/* action allow autostart=no */
	{.id = "actg",
	 .pol = "* * @anyvm @anyvm allow autostart=no\n",
	 .src = "test-vm1", .tgt = "test-vm3",
	 .xv = XV_DENY, .notify = NO, .line = 1,
	 .msg = "target test-vm3 is denied because it would require autostart",
	 .rule = "*\t*\t@anyvm\t@anyvm\tallow"},
	/* action allow autostart=no notify=yes */
	{.id = "acth",
	 .pol = "* * @anyvm @anyvm allow autostart=no notify=yes\n",
	 .src = "test-vm1", .tgt = "test-vm3",
	 .xv = XV_DENY, .notify = YES, .line = 1,
	 .msg = "target test-vm3 is denied because it would require autostart",
	 .rule = "*\t*\t@anyvm\t@anyvm\tallow"},
	/* action deny notify=yes */
	{.id = "acti",
	 .pol = "* * @anyvm @anyvm deny notify=yes\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_DENY, .notify = YES, .line = 1,
	 .msg = "denied by policy @D@/10-test.policy:1",
	 .rule = "*\t*\t@anyvm\t@anyvm\tdeny"},
	/* action ask */
	{.id = "actj",
	 .pol = "* * @anyvm @anyvm ask\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_ASK, .autostart = YES, .notify = NO, .line = 1,
	 .cands = "@dispvm:default-dvm @dispvm:test-vm3 @dispvm:test-vm4 default-dvm "
	          "test-invalid-dvm test-no-dvm test-relayvm1 test-remotevm1 "
	          "test-standalone test-template test-vm2 test-vm3 test-vm4 "
	          "test2-relayvm1 test2-relayvm2 test2-remotevm1 test2-remotevm2 "
	          "test2-vm1",
	 .rule = "*\t*\t@anyvm\t@anyvm\task"},
	/* action ask notify=yes user=u autostart=no */
	{.id = "actk",
	 .pol = "* * @anyvm @anyvm ask notify=yes user=u autostart=no\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_ASK, .user = "u", .autostart = NO, .notify = YES, .line = 1,
	 .cands = "test-relayvm1 test-remotevm1 test-vm2 test2-relayvm1 "
	          "test2-relayvm2 test2-remotevm1 test2-remotevm2 test2-vm1",
	 .rule = "*\t*\t@anyvm\t@anyvm\task user=u"},
	/* action ask target=test-vm3 default_target=test-vm3 */
	{.id = "actl",
	 .pol = "* * @anyvm @anyvm ask target=test-vm3 default_target=test-vm3\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_ASK, .autostart = YES, .notify = NO, .line = 1,
	 .cands = "test-vm3", .deflt = "test-vm3",
	 .rule = "*\t*\t@anyvm\t@anyvm\task target=test-vm3 default_target=test-vm3"},
	/* action ask target=@dispvm */
	{.id = "actm",
	 .pol = "* * @anyvm @anyvm ask target=@dispvm\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_ASK, .autostart = YES, .notify = NO, .line = 1,
	 .cands = "@dispvm",
	 .rule = "*\t*\t@anyvm\t@anyvm\task target=@dispvm"},
	/* action ask target=@dispvm:test-vm4 */
	{.id = "actn",
	 .pol = "* * @anyvm @anyvm ask target=@dispvm:test-vm4\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_ASK, .autostart = YES, .notify = NO, .line = 1,
	 .cands = "@dispvm:test-vm4",
	 .rule = "*\t*\t@anyvm\t@anyvm\task target=@dispvm:test-vm4"},
	/* action ask target=uuid:b3eb69d0-f9d9-4c3c-ad5c-454500303ea4 */
	{.id = "acto",
	 .pol = "* * @anyvm @anyvm ask target=uuid:b3eb69d0-f9d9-4c3c-ad5c-454500303ea4\n",
	 .src = "test-vm1", .tgt = "test-vm3",
	 .xv = XV_ASK, .autostart = YES, .notify = NO, .line = 1,
	 .cands = "uuid:b3eb69d0-f9d9-4c3c-ad5c-454500303ea4",
	 .rule = "*\t*\t@anyvm\t@anyvm\task target=uuid:b3eb69d0-f9d9-4c3c-ad5c-454500303ea4"},
	/* action ask target=no-such-vm */
	{.id = "actp",
	 .pol = "* * @anyvm @anyvm ask target=no-such-vm\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_ASK, .autostart = YES, .notify = NO, .line = 1,
	 .cands = "no-such-vm",
	 .rule = "*\t*\t@anyvm\t@anyvm\task target=no-such-vm"},
	/* action ask target=test-vm3 autostart=no */
	{.id = "actq",
	 .pol = "* * @anyvm @anyvm ask target=test-vm3 autostart=no\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_DENY, .notify = YES, .line = 1,
	 .msg = "policy define 'ask' action at @D@/10-test.policy:1 but no target is available to choose from",
	 .rule = "*\t*\t@anyvm\t@anyvm\task target=test-vm3"},
	/* action ask target=internal-vm */
	{.id = "actr",
	 .pol = "* * @anyvm @anyvm ask target=internal-vm\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_ASK, .autostart = YES, .notify = NO, .line = 1,
	 .cands = "internal-vm",
	 .rule = "*\t*\t@anyvm\t@anyvm\task target=internal-vm"},
	/* action ask default_target=@adminvm */
	{.id = "acts",
	 .pol = "* * @anyvm @anyvm ask default_target=@adminvm\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_ASK, .autostart = YES, .notify = NO, .line = 1,
	 .cands = "@dispvm:default-dvm @dispvm:test-vm3 @dispvm:test-vm4 default-dvm "
	          "test-invalid-dvm test-no-dvm test-relayvm1 test-remotevm1 "
	          "test-standalone test-template test-vm2 test-vm3 test-vm4 "
	          "test2-relayvm1 test2-relayvm2 test2-remotevm1 test2-remotevm2 "
	          "test2-vm1",
	 .rule = "*\t*\t@anyvm\t@anyvm\task default_target=@adminvm"},
	/* action ask default_target=uuid:b3eb69d0-f9d9-4c3c-ad5c-454500303ea4 */
	{.id = "actt",
	 .pol = "* * @anyvm @anyvm ask default_target=uuid:b3eb69d0-f9d9-4c3c-ad5c-454500303ea4\n",
	 .src = "test-vm1", .tgt = "test-vm3",
	 .xv = XV_ASK, .autostart = YES, .notify = NO, .line = 1,
	 .cands = "@dispvm:default-dvm @dispvm:test-vm3 @dispvm:test-vm4 default-dvm "
	          "test-invalid-dvm test-no-dvm test-relayvm1 test-remotevm1 "
	          "test-standalone test-template test-vm2 test-vm3 test-vm4 "
	          "test2-relayvm1 test2-relayvm2 test2-remotevm1 test2-remotevm2 "
	          "test2-vm1",
	 .rule = "*\t*\t@anyvm\t@anyvm\task default_target=uuid:b3eb69d0-f9d9-4c3c-ad5c-454500303ea4"},
	/* action ask default_target=@dispvm:test-vm3 */
	{.id = "actu",
	 .pol = "* * @anyvm @anyvm ask default_target=@dispvm:test-vm3\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_ASK, .autostart = YES, .notify = NO, .line = 1,
	 .cands = "@dispvm:default-dvm @dispvm:test-vm3 @dispvm:test-vm4 default-dvm "
	          "test-invalid-dvm test-no-dvm test-relayvm1 test-remotevm1 "
	          "test-standalone test-template test-vm2 test-vm3 test-vm4 "
	          "test2-relayvm1 test2-relayvm2 test2-remotevm1 test2-remotevm2 "
	          "test2-vm1", .deflt = "@dispvm:test-vm3",
	 .rule = "*\t*\t@anyvm\t@anyvm\task default_target=@dispvm:test-vm3"},
	/* action ask default_target=@dispvm */
	{.id = "actv",
	 .pol = "* * @anyvm @anyvm ask default_target=@dispvm\n",
	 .src = "test-no-dvm", .tgt = "test-vm2",
	 .xv = XV_ASK, .autostart = YES, .notify = NO, .line = 1,
	 .cands = "@dispvm:default-dvm @dispvm:test-vm3 @dispvm:test-vm4 default-dvm "
	          "test-invalid-dvm test-relayvm1 test-remotevm1 test-standalone "
	          "test-template test-vm1 test-vm2 test-vm3 test-vm4 test2-relayvm1 "
	          "test2-relayvm2 test2-remotevm1 test2-remotevm2 test2-vm1",
	 .rule = "*\t*\t@anyvm\t@anyvm\task default_target=@dispvm"},
	/* action allow autostart=no */
	{.id = "actw",
	 .pol = "* * @anyvm * allow autostart=no\n",
	 .src = "test-vm1", .tgt = "@adminvm",
	 .xv = XV_ALLOW, .target = "dom0", .autostart = NO, .notify = NO, .line = 1,
	 .rule = "*\t*\t@anyvm\t*\tallow",
	 .reply = "user=DEFAULT\n"
	          "result=allow\n"
	          "target=dom0\n"
	          "autostart=False\n"
	          "requested_target=@adminvm"},
	/* action allow autostart=no */
	{.id = "actx",
	 .pol = "* * @anyvm @anyvm allow autostart=no\n",
	 .src = "test-vm1", .tgt = "uuid:b3eb69d0-f9d9-4c3c-ad5c-454500303ea4",
	 .xv = XV_ALLOW, .target = "uuid:b3eb69d0-f9d9-4c3c-ad5c-454500303ea4", .autostart = NO, .notify = NO, .line = 1,
	 .rule = "*\t*\t@anyvm\t@anyvm\tallow",
	 .reply = "user=DEFAULT\n"
	          "result=allow\n"
	          "target=uuid:b3eb69d0-f9d9-4c3c-ad5c-454500303ea4\n"
	          "target_uuid=uuid:b3eb69d0-f9d9-4c3c-ad5c-454500303ea4\n"
	          "autostart=False\n"
	          "requested_target=uuid:b3eb69d0-f9d9-4c3c-ad5c-454500303ea4"},
	/* action allow autostart=no */
	{.id = "acty",
	 .pol = "* * @anyvm @anyvm allow autostart=no\n",
	 .src = "test-vm1", .tgt = "@dispvm:test-vm3",
	 .xv = XV_DENY, .notify = NO, .line = 1,
	 .msg = "target @dispvm:test-vm3 is denied because it would require autostart",
	 .rule = "*\t*\t@anyvm\t@anyvm\tallow"},
	/* @default allow needs target= */
	{.id = "act-default-allow",
	 .pol = "* * @anyvm @default allow user=x\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: allow action for @default rule must specify target= option"},
	/* @default ask without target= is legal (no candidates here) */
	{.id = "act-default-ask",
	 .pol = "* * @anyvm @default ask\n",
	 .src = "test-vm1", .tgt = "@default",
	 .xv = XV_DENY, .notify = YES, .line = 1,
	 .msg = "policy define 'ask' action at @D@/10-test.policy:1 but no target is available to choose from"},
	/* @default deny is legal */
	{.id = "act-default-deny",
	 .pol = "* * @anyvm @default deny notify=no\n",
	 .src = "test-vm1", .tgt = "@default",
	 .xv = XV_DENY, .notify = NO, .line = 1,
	 .msg = "denied by policy @D@/10-test.policy:1"},
	/* @default allow with target= */
	{.id = "act-default-allow-redir",
	 .pol = "* * @anyvm @default allow target=test-vm2 user=u notify=yes\n",
	 .src = "test-vm1", .tgt = "",
	 .xv = XV_ALLOW, .target = "test-vm2", .user = "u", .autostart = YES, .notify = YES, .line = 1,
	 .reply = "user=u\n"
	          "result=allow\n"
	          "target=test-vm2\n"
	          "target_uuid=uuid:b3eb69d0-f9d9-4c3c-ad5c-454500303ea4\n"
	          "autostart=True\n"
	          "requested_target=@default"},
	/* the user picks a candidate */
	{.id = "ans-ok",
	 .pol = "* * test-vm1 @anyvm ask\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_ASK, .autostart = YES, .notify = NO, .line = 1,
	 .cands = "@dispvm:default-dvm @dispvm:test-vm3 @dispvm:test-vm4 default-dvm "
	          "test-invalid-dvm test-no-dvm test-relayvm1 test-remotevm1 "
	          "test-standalone test-template test-vm2 test-vm3 test-vm4 "
	          "test2-relayvm1 test2-relayvm2 test2-remotevm1 test2-remotevm2 "
	          "test2-vm1",
	 .answer = "test-vm4", .after = XV_ALLOW, .atarget = "test-vm4",
	 .reply = "user=DEFAULT\n"
	          "result=allow\n"
	          "target=test-vm4\n"
	          "target_uuid=uuid:91e4fe8d-083b-4ddf-ad7b-fb4ebac537b9\n"
	          "autostart=True\n"
	          "requested_target=test-vm2"},
	/* the user picks a disposable */
	{.id = "ans-dispvm",
	 .pol = "* * test-vm1 @anyvm ask\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_ASK, .autostart = YES, .notify = NO, .line = 1,
	 .cands = "@dispvm:default-dvm @dispvm:test-vm3 @dispvm:test-vm4 default-dvm "
	          "test-invalid-dvm test-no-dvm test-relayvm1 test-remotevm1 "
	          "test-standalone test-template test-vm2 test-vm3 test-vm4 "
	          "test2-relayvm1 test2-relayvm2 test2-remotevm1 test2-remotevm2 "
	          "test2-vm1",
	 .answer = "@dispvm:test-vm3", .after = XV_ALLOW, .atarget = "@dispvm:test-vm3",
	 .reply = "user=DEFAULT\n"
	          "result=allow\n"
	          "target=@dispvm:test-vm3\n"
	          "target_uuid=@dispvm:uuid:fa6d56e8-a89d-4106-aa62-22e172a43c8b\n"
	          "autostart=True\n"
	          "requested_target=test-vm2"},
	/* the user picks something not offered */
	{.id = "ans-invalid",
	 .pol = "* * test-vm1 @anyvm ask\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_ASK, .autostart = YES, .notify = NO, .line = 1,
	 .cands = "@dispvm:default-dvm @dispvm:test-vm3 @dispvm:test-vm4 default-dvm "
	          "test-invalid-dvm test-no-dvm test-relayvm1 test-remotevm1 "
	          "test-standalone test-template test-vm2 test-vm3 test-vm4 "
	          "test2-relayvm1 test2-relayvm2 test2-remotevm1 test2-remotevm2 "
	          "test2-vm1",
	 .answer = "dom0", .after = XV_DENY, .anotify = YES,
	 .amsg = "target dom0 is not a valid choice"},
	/* the source is not offered */
	{.id = "ans-self",
	 .pol = "* * test-vm1 @anyvm ask\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_ASK, .autostart = YES, .notify = NO, .line = 1,
	 .cands = "@dispvm:default-dvm @dispvm:test-vm3 @dispvm:test-vm4 default-dvm "
	          "test-invalid-dvm test-no-dvm test-relayvm1 test-remotevm1 "
	          "test-standalone test-template test-vm2 test-vm3 test-vm4 "
	          "test2-relayvm1 test2-relayvm2 test2-remotevm1 test2-remotevm2 "
	          "test2-vm1",
	 .answer = "test-vm1", .after = XV_DENY, .anotify = YES,
	 .amsg = "target test-vm1 is not a valid choice"},
	/* the user says no */
	{.id = "ans-no",
	 .pol = "* * test-vm1 @anyvm ask\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_ASK, .autostart = YES, .notify = NO, .line = 1,
	 .cands = "@dispvm:default-dvm @dispvm:test-vm3 @dispvm:test-vm4 default-dvm "
	          "test-invalid-dvm test-no-dvm test-relayvm1 test-remotevm1 "
	          "test-standalone test-template test-vm2 test-vm3 test-vm4 "
	          "test2-relayvm1 test2-relayvm2 test2-remotevm1 test2-remotevm2 "
	          "test2-vm1",
	 .answer = "-", .after = XV_DENY, .anotify = NO,
	 .amsg = "denied by the user @D@/10-test.policy:1"},
	/* the user says no, notify=yes */
	{.id = "ans-no-notify",
	 .pol = "* * test-vm1 @anyvm ask notify=yes user=u autostart=no\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_ASK, .user = "u", .autostart = NO, .notify = YES, .line = 1,
	 .cands = "test-relayvm1 test-remotevm1 test-vm2 test2-relayvm1 "
	          "test2-relayvm2 test2-remotevm1 test2-remotevm2 test2-vm1",
	 .answer = "-", .after = XV_DENY, .anotify = YES,
	 .amsg = "denied by the user @D@/10-test.policy:1"},
	/* the rule's user, autostart and notify carry over */
	{.id = "ans-ok-notify",
	 .pol = "* * test-vm1 @anyvm ask notify=yes user=u autostart=no\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_ASK, .user = "u", .autostart = NO, .notify = YES, .line = 1,
	 .cands = "test-relayvm1 test-remotevm1 test-vm2 test2-relayvm1 "
	          "test2-relayvm2 test2-remotevm1 test2-remotevm2 test2-vm1",
	 .answer = "test-vm2", .after = XV_ALLOW, .atarget = "test-vm2",
	 .reply = "user=u\n"
	          "result=allow\n"
	          "target=test-vm2\n"
	          "target_uuid=uuid:b3eb69d0-f9d9-4c3c-ad5c-454500303ea4\n"
	          "autostart=False\n"
	          "requested_target=test-vm2"},
	/* ask target=@adminvm, answered dom0 */
	{.id = "ans-dom0",
	 .pol = "* * test-vm1 @anyvm ask target=@adminvm\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_ASK, .autostart = YES, .notify = NO, .line = 1,
	 .cands = "dom0",
	 .answer = "dom0", .after = XV_ALLOW, .atarget = "dom0",
	 .reply = "user=DEFAULT\n"
	          "result=allow\n"
	          "target=dom0\n"
	          "autostart=True\n"
	          "requested_target=test-vm2"},
	/* ask target= may offer the source itself; the reply refuses the loop */
	{.id = "ans-loop",
	 .pol = "* * test-vm1 @anyvm ask target=test-vm1\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_ASK, .autostart = YES, .notify = NO, .line = 1,
	 .cands = "test-vm1",
	 .answer = "test-vm1", .after = XV_ALLOW, .atarget = "test-vm1",
	 .reply = "!loopback qrexec connection not supported"},
	/* !include splices rules in place */
	{.id = "dir-include",
	 .pol = "* * test-vm1 test-vm2 deny\n"
	        "!include include/inc\n"
	        "* * @anyvm @anyvm deny\n",
	 .files = (const struct tfile[]){
	 	{"d/include/inc", "# x\n* * test-vm1 test-vm3 allow\n", NULL},
	 	{NULL, NULL, NULL}},
	 .src = "test-vm1", .tgt = "test-vm3",
	 .xv = XV_ALLOW, .target = "test-vm3", .autostart = YES, .notify = NO, .line = 2,
	 .rule = "*\t*\ttest-vm1\ttest-vm3\tallow"},
	/* !include with an absolute path */
	{.id = "dir-include-abs",
	 .pol = "!include @R@/abs/inc\n",
	 .files = (const struct tfile[]){
	 	{"abs/inc", "* * test-vm1 test-vm3 deny\n", NULL},
	 	{NULL, NULL, NULL}},
	 .src = "test-vm1", .tgt = "test-vm3",
	 .xv = XV_DENY, .notify = YES, .line = 1,
	 .msg = "denied by policy @R@/abs/inc:1"},
	/* !include path normalised */
	{.id = "dir-include-dotdot",
	 .pol = "!include include/../include/./inc\n",
	 .files = (const struct tfile[]){
	 	{"d/include/inc", "* * test-vm1 test-vm3 deny\n", NULL},
	 	{NULL, NULL, NULL}},
	 .src = "test-vm1", .tgt = "test-vm3",
	 .xv = XV_DENY, .notify = YES, .line = 1,
	 .msg = "denied by policy @D@/include/inc:1"},
	/* nested includes resolve against the policy directory, not the including file */
	{.id = "dir-include-base",
	 .pol = "!include include/a\n",
	 .files = (const struct tfile[]){
	 	{"d/include/a", "!include include/b\n", NULL},
	 	{"d/include/b", "* * test-vm1 test-vm3 deny\n", NULL},
	 	{NULL, NULL, NULL}},
	 .src = "test-vm1", .tgt = "test-vm3",
	 .xv = XV_DENY, .notify = YES, .line = 1,
	 .msg = "denied by policy @D@/include/b:1"},
	/* a nested !include b is not include/b */
	{.id = "dir-include-base-bad",
	 .pol = "!include include/a\n",
	 .files = (const struct tfile[]){
	 	{"d/include/a", "!include b\n", NULL},
	 	{"d/include/b", "* * test-vm1 test-vm3 deny\n", NULL},
	 	{NULL, NULL, NULL}},
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/include/a:1: not a file: @D@/b"},
	/* a file of the second directory resolves against that directory */
	{.id = "dir-include-run",
	 .pol = NULL,
	 .files = (const struct tfile[]){
	 	{"e/20-x.policy", "!include include/a\n", NULL},
	 	{"e/include/a", "* * test-vm1 test-vm3 deny\n", NULL},
	 	{"d/include/a", "* * test-vm1 test-vm3 allow\n", NULL},
	 	{NULL, NULL, NULL}},
	 .src = "test-vm1", .tgt = "test-vm3",
	 .xv = XV_DENY, .notify = YES, .line = 1,
	 .msg = "denied by policy @E@/include/a:1"},
	/* not a file (missing) */
	{.id = "dir-include-missing",
	 .pol = "# x\n!include include/nope\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:2: not a file: @D@/include/nope"},
	/* not a file (a directory) */
	{.id = "dir-include-dir",
	 .pol = "!include include\n",
	 .files = (const struct tfile[]){
	 	{"d/include/x", "", NULL},
	 	{NULL, NULL, NULL}},
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: not a file: @D@/include"},
	/* invalid number of params */
	{.id = "dir-include-noparam",
	 .pol = "!include\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid number of params"},
	/* invalid number of params */
	{.id = "dir-include-2params",
	 .pol = "!include a b\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid number of params"},
	/* an included symlink is followed */
	{.id = "dir-include-symlink",
	 .pol = "!include include/link\n",
	 .files = (const struct tfile[]){
	 	{"d/include/real", "* * test-vm1 test-vm3 deny\n", NULL},
	 	{"d/include/link", NULL, "real"},
	 	{NULL, NULL, NULL}},
	 .src = "test-vm1", .tgt = "test-vm3",
	 .xv = XV_DENY, .notify = YES, .line = 1,
	 .msg = "denied by policy @D@/include/real:1"},
	/* !include-dir loads *.policy sorted, ignoring others */
	{.id = "dir-incdir-a",
	 .pol = "!include-dir sub\n",
	 .files = (const struct tfile[]){
	 	{"d/sub/20-b.policy", "* * test-vm1 test-vm3 deny\n", NULL},
	 	{"d/sub/10-a.policy", "* * test-vm1 test-vm2 deny\n", NULL},
	 	{"d/sub/README", "garbage", NULL},
	 	{"d/sub/.hidden.policy", "garbage", NULL},
	 	{"d/sub/x.policy.swp", "garbage", NULL},
	 	{"d/sub/30-c.policy.rpmsave", "garbage", NULL},
	 	{"d/sub/dir.policy", NULL, NULL},
	 	{"d/sub/Upper.txt", "garbage", NULL},
	 	{NULL, NULL, NULL}},
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_DENY, .notify = YES, .line = 1,
	 .msg = "denied by policy @D@/sub/10-a.policy:1"},
	/* !include-dir */
	{.id = "dir-incdir-b",
	 .pol = "!include-dir sub\n",
	 .files = (const struct tfile[]){
	 	{"d/sub/20-b.policy", "* * test-vm1 test-vm3 deny\n", NULL},
	 	{"d/sub/10-a.policy", "* * test-vm1 test-vm2 deny\n", NULL},
	 	{"d/sub/README", "garbage", NULL},
	 	{"d/sub/.hidden.policy", "garbage", NULL},
	 	{"d/sub/x.policy.swp", "garbage", NULL},
	 	{"d/sub/30-c.policy.rpmsave", "garbage", NULL},
	 	{"d/sub/dir.policy", NULL, NULL},
	 	{"d/sub/Upper.txt", "garbage", NULL},
	 	{NULL, NULL, NULL}},
	 .src = "test-vm1", .tgt = "test-vm3",
	 .xv = XV_DENY, .notify = YES, .line = 1,
	 .msg = "denied by policy @D@/sub/20-b.policy:1"},
	/* includes inside !include-dir files resolve against the top-level file's directory */
	{.id = "dir-incdir-nested",
	 .pol = "!include-dir sub\n",
	 .files = (const struct tfile[]){
	 	{"d/sub/a.policy", "!include include/x\n", NULL},
	 	{"d/include/x", "* * test-vm1 test-vm3 deny\n", NULL},
	 	{NULL, NULL, NULL}},
	 .src = "test-vm1", .tgt = "test-vm3",
	 .xv = XV_DENY, .notify = YES, .line = 1,
	 .msg = "denied by policy @D@/include/x:1"},
	/* invalid filename inside !include-dir */
	{.id = "dir-incdir-badname",
	 .pol = "!include-dir sub\n",
	 .files = (const struct tfile[]){
	 	{"d/sub/Bad.policy", "", NULL},
	 	{NULL, NULL, NULL}},
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "invalid filename: @D@/sub/Bad.policy"},
	/* not a directory (a file) */
	{.id = "dir-incdir-file",
	 .pol = "!include-dir include/x\n",
	 .files = (const struct tfile[]){
	 	{"d/include/x", "", NULL},
	 	{NULL, NULL, NULL}},
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: not a directory: @D@/include/x"},
	/* not a directory (missing) */
	{.id = "dir-incdir-missing",
	 .pol = "!include-dir nope\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: not a directory: @D@/nope"},
	/* invalid number of params */
	{.id = "dir-incdir-noparam",
	 .pol = "!include-dir\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid number of params"},
	/* !include-service binds service and argument */
	{.id = "dir-incsvc",
	 .pol = "!include-service test.Service +argument include/s\n",
	 .files = (const struct tfile[]){
	 	{"d/include/s", "test-vm1 test-vm3 allow\n", NULL},
	 	{NULL, NULL, NULL}},
	 .src = "test-vm1", .tgt = "test-vm3",
	 .xv = XV_ALLOW, .target = "test-vm3", .autostart = YES, .notify = NO, .line = 1,
	 .rule = "test.Service\t+argument\ttest-vm1\ttest-vm3\tallow"},
	/* !include-service: other arguments do not match */
	{.id = "dir-incsvc-other",
	 .pol = "!include-service test.Service +argument include/s\n"
	        "* * @anyvm @anyvm deny\n",
	 .files = (const struct tfile[]){
	 	{"d/include/s", "test-vm1 test-vm3 allow\n", NULL},
	 	{NULL, NULL, NULL}},
	 .arg = "+other", .src = "test-vm1", .tgt = "test-vm3",
	 .xv = XV_DENY, .notify = YES, .line = 2,
	 .msg = "denied by policy @D@/10-test.policy:2"},
	/* service checked */
	{.id = "dir-incsvc-badsvc",
	 .pol = "!include-service test/Service * include/s\n",
	 .files = (const struct tfile[]){
	 	{"d/include/s", "", NULL},
	 	{NULL, NULL, NULL}},
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: service 'test/Service' contains invalid characters: ('/',)"},
	/* argument checked */
	{.id = "dir-incsvc-badarg",
	 .pol = "!include-service test.Service arg include/s\n",
	 .files = (const struct tfile[]){
	 	{"d/include/s", "", NULL},
	 	{NULL, NULL, NULL}},
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: argument 'arg' does not start with +"},
	/* argument checked */
	{.id = "dir-incsvc-badargchar",
	 .pol = "!include-service test.Service +a:b include/s\n",
	 .files = (const struct tfile[]){
	 	{"d/include/s", "", NULL},
	 	{NULL, NULL, NULL}},
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: argument '+a:b' contains invalid characters: (':',)"},
	/* * service needs * argument */
	{.id = "dir-incsvc-star",
	 .pol = "!include-service * +arg include/s\n",
	 .files = (const struct tfile[]){
	 	{"d/include/s", "", NULL},
	 	{NULL, NULL, NULL}},
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: only * argument allowed for * service"},
	/* invalid number of params */
	{.id = "dir-incsvc-2params",
	 .pol = "!include-service test.Service include/s\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid number of params"},
	/* invalid number of params */
	{.id = "dir-incsvc-4params",
	 .pol = "!include-service a b c d\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid number of params"},
	/* not a file */
	{.id = "dir-incsvc-missing",
	 .pol = "!include-service test.Service * include/nope\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: not a file: @D@/include/nope"},
	/* invalid number of params */
	{.id = "dir-compat-param",
	 .pol = "!compat-4.0 x\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid number of params"},
	/* invalid directive */
	{.id = "dir-invalid",
	 .pol = "!includ x\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid directive"},
	/* invalid directive */
	{.id = "dir-invalid-bang",
	 .pol = "!\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid directive"},
	/* invalid directive */
	{.id = "dir-invalid-case",
	 .pol = "!INCLUDE x\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid directive"},
	/* comments and blank lines */
	{.id = "dir-comment",
	 .pol = "   # indented comment\n"
	        "\t\n"
	        "#!include nope\n"
	        "* * test-vm1 test-vm2 deny notify=no\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_DENY, .notify = NO, .line = 4,
	 .msg = "denied by policy @D@/10-test.policy:4"},
	/* a file including itself */
	/* differs from upstream: an include cycle is an error here (upstream dies with RecursionError) */
	/* upstream crashes: RecursionError */
	{.id = "dir-cycle-self",
	 .pol = "!include 10-test.policy\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: circular include of @D@/10-test.policy"},
	/* a cycle of two files */
	/* differs from upstream: an include cycle is an error here (upstream dies with RecursionError) */
	/* upstream crashes: RecursionError */
	{.id = "dir-cycle",
	 .pol = "!include include/a\n",
	 .files = (const struct tfile[]){
	 	{"d/include/a", "!include include/b\n", NULL},
	 	{"d/include/b", "# b\n!include include/a\n", NULL},
	 	{NULL, NULL, NULL}},
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/include/b:2: circular include of @D@/include/a"},
	/* a cycle in service format */
	/* differs from upstream: an include cycle is an error here (upstream dies with RecursionError) */
	/* upstream crashes: RecursionError */
	{.id = "dir-cycle-svc",
	 .pol = "!include-service * * include/a\n",
	 .files = (const struct tfile[]){
	 	{"d/include/a", "!include include/a\n", NULL},
	 	{NULL, NULL, NULL}},
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/include/a:1: circular include of @D@/include/a"},
	/* 16 files deep (the top-level file and 15 nested includes) is allowed */
	{.id = "dir-depth-ok",
	 .pol = "!include include/i1\n",
	 .files = (const struct tfile[]){
	 	{"d/include/i1", "!include include/i2\n", NULL},
	 	{"d/include/i2", "!include include/i3\n", NULL},
	 	{"d/include/i3", "!include include/i4\n", NULL},
	 	{"d/include/i4", "!include include/i5\n", NULL},
	 	{"d/include/i5", "!include include/i6\n", NULL},
	 	{"d/include/i6", "!include include/i7\n", NULL},
	 	{"d/include/i7", "!include include/i8\n", NULL},
	 	{"d/include/i8", "!include include/i9\n", NULL},
	 	{"d/include/i9", "!include include/i10\n", NULL},
	 	{"d/include/i10", "!include include/i11\n", NULL},
	 	{"d/include/i11", "!include include/i12\n", NULL},
	 	{"d/include/i12", "!include include/i13\n", NULL},
	 	{"d/include/i13", "!include include/i14\n", NULL},
	 	{"d/include/i14", "!include include/i15\n", NULL},
	 	{"d/include/i15", "* * test-vm1 test-vm3 deny\n", NULL},
	 	{NULL, NULL, NULL}},
	 .src = "test-vm1", .tgt = "test-vm3",
	 .xv = XV_DENY, .notify = YES, .line = 1,
	 .msg = "denied by policy @D@/include/i15:1"},
	/* 17 files deep */
	/* differs from upstream: nesting deeper than POLICY_MAX_DEPTH is an error here (upstream has no limit) */
	{.id = "dir-depth-bad",
	 .pol = "!include include/i1\n",
	 .files = (const struct tfile[]){
	 	{"d/include/i1", "!include include/i2\n", NULL},
	 	{"d/include/i2", "!include include/i3\n", NULL},
	 	{"d/include/i3", "!include include/i4\n", NULL},
	 	{"d/include/i4", "!include include/i5\n", NULL},
	 	{"d/include/i5", "!include include/i6\n", NULL},
	 	{"d/include/i6", "!include include/i7\n", NULL},
	 	{"d/include/i7", "!include include/i8\n", NULL},
	 	{"d/include/i8", "!include include/i9\n", NULL},
	 	{"d/include/i9", "!include include/i10\n", NULL},
	 	{"d/include/i10", "!include include/i11\n", NULL},
	 	{"d/include/i11", "!include include/i12\n", NULL},
	 	{"d/include/i12", "!include include/i13\n", NULL},
	 	{"d/include/i13", "!include include/i14\n", NULL},
	 	{"d/include/i14", "!include include/i15\n", NULL},
	 	{"d/include/i15", "!include include/i16\n", NULL},
	 	{"d/include/i16", "* * test-vm1 test-vm3 deny\n", NULL},
	 	{NULL, NULL, NULL}},
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/include/i15:1: includes nested deeper than 16 levels"},
	/* a bad file name fails the whole load */
	{.id = "dir-badname",
	 .pol = NULL,
	 .files = (const struct tfile[]){
	 	{"d/10-ok.policy", "* * @anyvm @anyvm allow\n", NULL},
	 	{"d/Bad.policy", "", NULL},
	 	{NULL, NULL, NULL}},
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "invalid filename: @D@/Bad.policy"},
	/* also in the second directory */
	{.id = "dir-badname-e",
	 .pol = NULL,
	 .files = (const struct tfile[]){
	 	{"e/bad name.policy", "", NULL},
	 	{NULL, NULL, NULL}},
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "invalid filename: @E@/bad name.policy"},
	/* + is not allowed in policy.d names */
	{.id = "dir-badname-plus",
	 .pol = NULL,
	 .files = (const struct tfile[]){
	 	{"d/a+b.policy", "", NULL},
	 	{NULL, NULL, NULL}},
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "invalid filename: @D@/a+b.policy"},
	/* files ignored for their name or suffix */
	{.id = "dir-ignored",
	 .pol = "* * test-vm1 test-vm2 deny notify=no\n",
	 .files = (const struct tfile[]){
	 	{"d/05-x.Policy", "garbage", NULL},
	 	{"d/05-y.policy.rpmnew", "garbage", NULL},
	 	{"d/.05-z.policy", "garbage", NULL},
	 	{"d/05-README", "garbage", NULL},
	 	{"d/05-dir.policy", NULL, NULL},
	 	{"d/05-Upper.txt", "garbage", NULL},
	 	{"d/.policy", "garbage", NULL},
	 	{"d/05-broken-link.policy", NULL, "nope"},
	 	{NULL, NULL, NULL}},
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_DENY, .notify = NO, .line = 1,
	 .msg = "denied by policy @D@/10-test.policy:1"},
	/* a symlink to a file counts */
	{.id = "dir-symlink",
	 .pol = NULL,
	 .files = (const struct tfile[]){
	 	{"d/05-link.policy", NULL, "@R@/real"},
	 	{"real", "* * test-vm1 test-vm2 deny notify=no\n", NULL},
	 	{NULL, NULL, NULL}},
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_DENY, .notify = NO, .line = 1,
	 .msg = "denied by policy @D@/05-link.policy:1"},
	/* the first directory hides a file of the same name in the second */
	{.id = "dir-shadow",
	 .pol = "* * test-vm1 test-vm2 deny notify=no\n",
	 .files = (const struct tfile[]){
	 	{"e/10-test.policy", "* * test-vm1 test-vm2 allow\n", NULL},
	 	{NULL, NULL, NULL}},
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_DENY, .notify = NO, .line = 1,
	 .msg = "denied by policy @D@/10-test.policy:1"},
	/* files of both directories are sorted together */
	{.id = "dir-interleave",
	 .pol = "* * test-vm1 test-vm2 deny notify=no\n",
	 .files = (const struct tfile[]){
	 	{"e/05-first.policy", "* * test-vm1 test-vm2 allow\n", NULL},
	 	{NULL, NULL, NULL}},
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_ALLOW, .target = "test-vm2", .autostart = YES, .notify = NO, .line = 1},
	/* byte order of names: '-' < '.' < '_' */
	{.id = "dir-order",
	 .pol = NULL,
	 .files = (const struct tfile[]){
	 	{"d/a.policy", "* * test-vm1 test-vm2 deny\n", NULL},
	 	{"d/a_b.policy", "* * test-vm1 test-vm2 deny\n", NULL},
	 	{"d/a-b.policy", "* * test-vm1 test-vm2 deny\n", NULL},
	 	{NULL, NULL, NULL}},
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_DENY, .notify = YES, .line = 1,
	 .msg = "denied by policy @D@/a-b.policy:1"},
	/* byte order, not numeric: 100 < 20 < 9 */
	{.id = "dir-order-digits",
	 .pol = NULL,
	 .files = (const struct tfile[]){
	 	{"d/9-a.policy", "* * test-vm1 test-vm2 deny\n", NULL},
	 	{"d/20-a.policy", "* * test-vm1 test-vm2 deny\n", NULL},
	 	{"d/100-a.policy", "* * test-vm1 test-vm2 deny\n", NULL},
	 	{NULL, NULL, NULL}},
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_DENY, .notify = YES, .line = 1,
	 .msg = "denied by policy @D@/100-a.policy:1"},
	/* no policy at all: no matching rule */
	{.id = "dir-empty",
	 .pol = NULL,
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_DENY, .notify = YES,
	 .msg = "no matching rule found"},
	/* rules before !compat-4.0 win */
	{.id = "compat-order",
	 .pol = "* * test-vm1 test-vm2 deny notify=no\n"
	        "!compat-4.0\n"
	        "* * @anyvm @anyvm deny\n",
	 .files = (const struct tfile[]){
	 	{"l/test.Allow", "$anyvm $anyvm allow\n", NULL},
	 	{NULL, NULL, NULL}},
	 .svc = "test.Allow", .arg = "+", .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_DENY, .notify = NO, .line = 1,
	 .msg = "denied by policy @D@/10-test.policy:1"},
	/* legacy rules win over later ones */
	{.id = "compat-order2",
	 .pol = "!compat-4.0\n* * test-vm1 test-vm2 deny notify=no\n",
	 .files = (const struct tfile[]){
	 	{"l/test.Allow", "$anyvm $anyvm allow\n", NULL},
	 	{NULL, NULL, NULL}},
	 .svc = "test.Allow", .arg = "+", .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_ALLOW, .target = "test-vm2", .autostart = YES, .notify = NO, .line = 1},
	/* SERVICE+ is the empty argument */
	{.id = "compat-emptyarg",
	 .pol = "!compat-4.0\n",
	 .files = (const struct tfile[]){
	 	{"l/test.Svc", "test-vm1 $anyvm allow,target=test-vm4\n", NULL},
	 	{"l/test.Svc+", "test-vm1 $anyvm allow,target=test-vm2\n", NULL},
	 	{"l/test.Svc+b", "test-vm1 $anyvm allow,target=test-vm3\n", NULL},
	 	{NULL, NULL, NULL}},
	 .svc = "test.Svc", .arg = "+", .src = "test-vm1", .tgt = "test-vm3",
	 .xv = XV_ALLOW, .target = "test-vm2", .autostart = YES, .notify = NO, .line = 1,
	 .rule = "test.Svc\t+\ttest-vm1\t@anyvm\tallow target=test-vm2"},
	/* SERVICE+ARG before SERVICE */
	{.id = "compat-arg",
	 .pol = "!compat-4.0\n",
	 .files = (const struct tfile[]){
	 	{"l/test.Svc", "test-vm1 $anyvm allow,target=test-vm4\n", NULL},
	 	{"l/test.Svc+", "test-vm1 $anyvm allow,target=test-vm2\n", NULL},
	 	{"l/test.Svc+b", "test-vm1 $anyvm allow,target=test-vm3\n", NULL},
	 	{NULL, NULL, NULL}},
	 .svc = "test.Svc", .arg = "+b", .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_ALLOW, .target = "test-vm3", .autostart = YES, .notify = NO, .line = 1,
	 .rule = "test.Svc\t+b\ttest-vm1\t@anyvm\tallow target=test-vm3"},
	/* SERVICE for other arguments */
	{.id = "compat-plain",
	 .pol = "!compat-4.0\n",
	 .files = (const struct tfile[]){
	 	{"l/test.Svc", "test-vm1 $anyvm allow,target=test-vm4\n", NULL},
	 	{"l/test.Svc+", "test-vm1 $anyvm allow,target=test-vm2\n", NULL},
	 	{"l/test.Svc+b", "test-vm1 $anyvm allow,target=test-vm3\n", NULL},
	 	{NULL, NULL, NULL}},
	 .svc = "test.Svc", .arg = "+c", .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_ALLOW, .target = "test-vm4", .autostart = YES, .notify = NO, .line = 1,
	 .rule = "test.Svc\t*\ttest-vm1\t@anyvm\tallow target=test-vm4"},
	/* the implicit deny comes before the plain file */
	{.id = "compat-implicit-src",
	 .pol = "!compat-4.0\n",
	 .files = (const struct tfile[]){
	 	{"l/test.Svc", "test-vm1 $anyvm allow,target=test-vm4\n", NULL},
	 	{"l/test.Svc+", "test-vm1 $anyvm allow,target=test-vm2\n", NULL},
	 	{"l/test.Svc+b", "test-vm1 $anyvm allow,target=test-vm3\n", NULL},
	 	{NULL, NULL, NULL}},
	 .svc = "test.Svc", .arg = "+b", .src = "test-vm2", .tgt = "test-vm1",
	 .xv = XV_DENY, .notify = YES,
	 .msg = "denied by policy @L@/test.Svc+b:None"},
	/* ignored legacy entries */
	{.id = "compat-ignored",
	 .pol = "!compat-4.0\n",
	 .files = (const struct tfile[]){
	 	{"l/test.Allow", "$anyvm $anyvm allow\n", NULL},
	 	{"l/test.Allow.rpmsave", "garbage", NULL},
	 	{"l/test.Allow.rpmnew", "garbage", NULL},
	 	{"l/test.Allow.swp", "garbage", NULL},
	 	{"l/.test.Allow", "garbage", NULL},
	 	{"l/test Allow", "garbage", NULL},
	 	{"l/include", NULL, NULL},
	 	{"l/test:x", "garbage", NULL},
	 	{NULL, NULL, NULL}},
	 .svc = "test.Allow", .arg = "+", .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_ALLOW, .target = "test-vm2", .autostart = YES, .notify = NO, .line = 1},
	/* $include: in a legacy file resolves against the legacy directory */
	{.id = "compat-include",
	 .pol = "!compat-4.0\n",
	 .files = (const struct tfile[]){
	 	{"l/test.Inc", "$include:include/common\n", NULL},
	 	{"l/include/common", "test-vm1 test-vm3 deny\n", NULL},
	 	{NULL, NULL, NULL}},
	 .svc = "test.Inc", .arg = "+", .src = "test-vm1", .tgt = "test-vm3",
	 .xv = XV_DENY, .notify = YES, .line = 1,
	 .msg = "denied by policy @L@/include/common:1"},
	/* $include: with an absolute path */
	{.id = "compat-include-abs",
	 .pol = "!compat-4.0\n",
	 .files = (const struct tfile[]){
	 	{"l/test.Inc", "$include:@L@/include/common\n", NULL},
	 	{"l/include/common", "test-vm1 test-vm3 deny\n", NULL},
	 	{NULL, NULL, NULL}},
	 .svc = "test.Inc", .arg = "+", .src = "test-vm1", .tgt = "test-vm3",
	 .xv = XV_DENY, .notify = YES, .line = 1,
	 .msg = "denied by policy @L@/include/common:1"},
	/* legacy comma parameters */
	{.id = "compat-params",
	 .pol = "!compat-4.0\n",
	 .files = (const struct tfile[]){
	 	{"l/test.P", "$anyvm $anyvm allow,target=$dispvm:test-vm3,user=root\n", NULL},
	 	{NULL, NULL, NULL}},
	 .svc = "test.P", .arg = "+x", .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_ALLOW, .target = "@dispvm:test-vm3", .user = "root", .autostart = YES, .notify = NO, .line = 1,
	 .rule = "test.P\t*\t@anyvm\t@anyvm\tallow target=@dispvm:test-vm3 user=root",
	 .reply = "user=root\n"
	          "result=allow\n"
	          "target=@dispvm:test-vm3\n"
	          "target_uuid=@dispvm:uuid:fa6d56e8-a89d-4106-aa62-22e172a43c8b\n"
	          "autostart=True\n"
	          "requested_target=test-vm2"},
	/* legacy $tag: and $type: */
	{.id = "compat-tag",
	 .pol = "!compat-4.0\n",
	 .files = (const struct tfile[]){
	 	{"l/test.P", "$tag:tag1 $type:AppVM allow\n", NULL},
	 	{NULL, NULL, NULL}},
	 .svc = "test.P", .arg = "+x", .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_ALLOW, .target = "test-vm2", .autostart = YES, .notify = NO, .line = 1,
	 .rule = "test.P\t*\t@tag:tag1\t@type:AppVM\tallow"},
	/* a legacy allow to $default without target is now an error */
	{.id = "compat-default",
	 .pol = "!compat-4.0\n",
	 .files = (const struct tfile[]){
	 	{"l/test.D", "# c\n$anyvm $default allow\n", NULL},
	 	{NULL, NULL, NULL}},
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@L@/test.D:2: allow action for @default rule must specify target= option"},
	/* wrong number of fields */
	{.id = "compat-fields",
	 .pol = "!compat-4.0\n",
	 .files = (const struct tfile[]){
	 	{"l/test.D", "$anyvm\n", NULL},
	 	{NULL, NULL, NULL}},
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@L@/test.D:1: wrong number of fields"},
	/* no action */
	{.id = "compat-fields2",
	 .pol = "!compat-4.0\n",
	 .files = (const struct tfile[]){
	 	{"l/test.D", "$anyvm $anyvm\n", NULL},
	 	{NULL, NULL, NULL}},
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@L@/test.D:1: wrong number of fields"},
	/* no action after commas */
	{.id = "compat-fields3",
	 .pol = "!compat-4.0\n",
	 .files = (const struct tfile[]){
	 	{"l/test.D", "$anyvm $anyvm ,\n", NULL},
	 	{NULL, NULL, NULL}},
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@L@/test.D:1: wrong number of fields"},
	/* !compat-4.0 in a legacy file */
	{.id = "compat-nested",
	 .pol = "!compat-4.0\n",
	 .files = (const struct tfile[]){
	 	{"l/test.D", "!compat-4.0\n", NULL},
	 	{NULL, NULL, NULL}},
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@L@/test.D:1: invalid directive"},
	/* !compat-4.0 in an included 4.1 file works; the legacy file's error shows */
	{.id = "compat-in-include",
	 .pol = "!include include/a\n",
	 .files = (const struct tfile[]){
	 	{"d/include/a", "!compat-4.0\n", NULL},
	 	{"l/test.D", "$anyvm $anyvm bogus\n", NULL},
	 	{NULL, NULL, NULL}},
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@L@/test.D:1: invalid action: bogus"},
	/* !compat-4.0 twice splices the legacy rules twice */
	{.id = "compat-twice",
	 .pol = "!compat-4.0\n!compat-4.0\n",
	 .files = (const struct tfile[]){
	 	{"l/test.Allow", "$anyvm $anyvm allow\n", NULL},
	 	{NULL, NULL, NULL}},
	 .svc = "test.Allow", .arg = "+", .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_ALLOW, .target = "test-vm2", .autostart = YES, .notify = NO, .line = 1},
	/* an empty legacy directory */
	{.id = "compat-empty",
	 .pol = "!compat-4.0\n* * @anyvm @anyvm deny notify=no\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_DENY, .notify = NO, .line = 2,
	 .msg = "denied by policy @D@/10-test.policy:2"},
	/* implicit deny text */
	{.id = "compat-implicit-fmt",
	 .pol = "!compat-4.0\n",
	 .files = (const struct tfile[]){
	 	{"l/test.X+a", "test-vm1 test-vm2 allow\n", NULL},
	 	{NULL, NULL, NULL}},
	 .svc = "test.X", .arg = "+a", .src = "test-vm1", .tgt = "test-vm3",
	 .xv = XV_DENY, .notify = YES,
	 .msg = "denied by policy @L@/test.X+a:None",
	 .rule = "test.X\t+a\t@anyvm\t@anyvm\tdeny"},
	/* \r\n line ends */
	{.id = "line-crlf",
	 .pol = "# a\r\n* * test-vm1 test-vm3 deny\r\n",
	 .src = "test-vm1", .tgt = "test-vm3",
	 .xv = XV_DENY, .notify = YES, .line = 2,
	 .msg = "denied by policy @D@/10-test.policy:2"},
	/* \r line ends */
	{.id = "line-cr",
	 .pol = "# a\r# b\r* * test-vm1 test-vm3 deny\r",
	 .src = "test-vm1", .tgt = "test-vm3",
	 .xv = XV_DENY, .notify = YES, .line = 3,
	 .msg = "denied by policy @D@/10-test.policy:3"},
	/* no newline at the end */
	{.id = "line-nonl",
	 .pol = "# a\n\n* * test-vm1 test-vm3 deny",
	 .src = "test-vm1", .tgt = "test-vm3",
	 .xv = XV_DENY, .notify = YES, .line = 3,
	 .msg = "denied by policy @D@/10-test.policy:3"},
	/* tabs and runs of blanks */
	{.id = "line-tabs",
	 .pol = "\t*\t*\ttest-vm1\t\ttest-vm3   deny  \t\n",
	 .src = "test-vm1", .tgt = "test-vm3",
	 .xv = XV_DENY, .notify = YES, .line = 1,
	 .msg = "denied by policy @D@/10-test.policy:1",
	 .rule = "*\t*\ttest-vm1\ttest-vm3\tdeny"},
	/* UTF-8 in comments */
	{.id = "line-utf8-comment",
	 .pol = "# comment: \305\274\303\263\305\202w \342\234\223\n* * test-vm1 test-vm3 deny\n",
	 .src = "test-vm1", .tgt = "test-vm3",
	 .xv = XV_DENY, .notify = YES, .line = 2,
	 .msg = "denied by policy @D@/10-test.policy:2"},
	/* UTF-8 in a rule */
	/* differs from upstream: non-ASCII in a rule line is an error here (upstream takes it as a name that can never match) */
	{.id = "line-utf8-rule",
	 .pol = "# a\n* * t\303\251st-vm test-vm3 allow\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:2: non-ASCII character in a rule or directive"},
	/* a control character in a rule */
	/* differs from upstream: a control character in a rule line is an error here (upstream accepts it in a name) */
	{.id = "line-control",
	 .pol = "* * test-vm1\001 test-vm3 allow\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: control character 0x01 in a rule or directive"},
	/* invalid UTF-8: a load error here, upstream's load dies decoding */
	/* upstream crashes: UnicodeDecodeError: 'utf-8' codec can't decode byte 0xff in position 2: invalid start byte */
	{.id = "line-badutf8",
	 .pol = "# \377\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid UTF-8"},
	/* service characters */
	{.id = "line-svc-chars",
	 .pol = "test/Service * @anyvm @anyvm allow\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: service 'test/Service' contains invalid characters: ('/',)"},
	/* no + in a service */
	{.id = "line-svc-plus",
	 .pol = "test+Service * @anyvm @anyvm allow\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: service 'test+Service' contains invalid characters: ('+',)"},
	/* argument characters */
	{.id = "line-arg-chars",
	 .pol = "test.Service +a/b @anyvm @anyvm allow\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: argument '+a/b' contains invalid characters: ('/',)"},
	/* argument characters, sorted */
	{.id = "line-arg-chars2",
	 .pol = "test.Service +a/b:c/ @anyvm @anyvm allow\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: argument '+a/b:c/' contains invalid characters: ('/', ':')"},
	/* argument must start with + */
	{.id = "line-arg-noplus",
	 .pol = "test.Service arg @anyvm @anyvm allow\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: argument 'arg' does not start with +"},
	/* a quote in the service name */
	{.id = "line-svc-quote",
	 .pol = "test'Service * @anyvm @anyvm allow\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: service \"test'Service\" contains invalid characters: (\"'\",)"},
	/* a backslash in the service name */
	{.id = "line-svc-backslash",
	 .pol = "test\\Service * @anyvm @anyvm allow\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: service 'test\\\\Service' contains invalid characters: ('\\\\',)"},
	/* wrong number of fields */
	{.id = "line-fields",
	 .pol = "* * @anyvm @anyvm\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: wrong number of fields"},
	/* wrong number of fields */
	{.id = "line-fields1",
	 .pol = "test.Service\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: wrong number of fields"},
	/* + inside an argument */
	{.id = "line-svc-arg-plus",
	 .pol = "test.Service +arg+x @anyvm @anyvm deny notify=no\n",
	 .arg = "+arg+x", .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_DENY, .notify = NO, .line = 1,
	 .msg = "denied by policy @D@/10-test.policy:1"},
	/* service and argument must be equal */
	{.id = "line-svc-match",
	 .pol = "other.Service * @anyvm @anyvm allow\n"
	        "test.Service +other @anyvm @anyvm allow\n"
	        "test.Service +argument @anyvm @anyvm deny notify=no\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_DENY, .notify = NO, .line = 3,
	 .msg = "denied by policy @D@/10-test.policy:3"},
	/* matching is case-sensitive */
	{.id = "line-svc-case",
	 .pol = "test.service * @anyvm @anyvm allow\n"
	        "* * @anyvm @anyvm deny notify=no\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_DENY, .notify = NO, .line = 2,
	 .msg = "denied by policy @D@/10-test.policy:2"},
	/* the line number counts every line */
	{.id = "line-err-lineno",
	 .pol = "* * @anyvm @anyvm allow\n"
	        "\n"
	        "# c\n"
	        "* * @anyvm @anyvm allow\n"
	        "* * @anyvm @anyvm bad\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:5: invalid action: bad"},
	/* line numbers with \r\n */
	{.id = "line-err-lineno-crlf",
	 .pol = "# a\r\n\r\n* * @anyvm @anyvm bad\r\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:3: invalid action: bad"},
	/* the error names the included file and its line */
	{.id = "line-err-include",
	 .pol = "# a\n!include include/x\n",
	 .files = (const struct tfile[]){
	 	{"d/include/x", "# 1\n# 2\n* * @anyvm @anyvm bad\n", NULL},
	 	{NULL, NULL, NULL}},
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/include/x:3: invalid action: bad"},
	/* the first error stops the load */
	{.id = "line-err-first",
	 .pol = "* * @anyvm @anyvm bad1\n* * @anyvm @anyvm bad2\n",
	 .files = (const struct tfile[]){
	 	{"d/05-a.policy", "* * @anyvm @anyvm bad0\n", NULL},
	 	{NULL, NULL, NULL}},
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/05-a.policy:1: invalid action: bad0"},
	/* the source is not checked */
	{.id = "req-unknown-src",
	 .pol = "* * @anyvm @anyvm allow\n",
	 .src = "no-such-vm", .tgt = "test-vm2",
	 .xv = XV_ALLOW, .target = "test-vm2", .autostart = YES, .notify = NO, .line = 1,
	 .reply = "user=DEFAULT\n"
	          "result=allow\n"
	          "target=test-vm2\n"
	          "target_uuid=uuid:b3eb69d0-f9d9-4c3c-ad5c-454500303ea4\n"
	          "autostart=True\n"
	          "requested_target=test-vm2"},
	/* an unknown source has no default_dispvm */
	{.id = "req-unknown-src-dispvm",
	 .pol = "* * @anyvm @dispvm allow\n",
	 .src = "no-such-vm", .tgt = "@dispvm",
	 .xv = XV_DENY, .notify = YES, .line = 1,
	 .msg = "policy define 'allow' action to @dispvm at @D@/10-test.policy:1 but no DispVM base is set for this VM"},
	/* ask from an unknown source */
	/* differs from upstream: denied here (upstream raises KeyError while collecting targets) */
	/* upstream crashes: KeyError: 'no-such-vm' */
	{.id = "req-unknown-src-ask",
	 .pol = "* * @anyvm @anyvm ask\n",
	 .src = "no-such-vm", .tgt = "test-vm2",
	 .xv = XV_DENY, .notify = YES, .line = 1,
	 .msg = "policy define 'ask' action at @D@/10-test.policy:1 but the source no-such-vm is not in the system info"},
	/* ask target= from an unknown source: offered as upstream does (nothing is collected) */
	{.id = "req-unknown-src-ask-redir",
	 .pol = "* * @anyvm @anyvm ask target=test-vm2\n",
	 .src = "no-such-vm", .tgt = "test-vm2",
	 .xv = XV_ASK, .autostart = YES, .notify = NO, .line = 1,
	 .cands = "test-vm2"},
	/* the uuid: form of the source calling itself */
	/* differs from upstream: the loopback check also catches the uuid: form here (upstream compares the strings only) */
	{.id = "req-uuid-src-loop",
	 .pol = "* * @anyvm @anyvm allow\n",
	 .src = "uuid:c9024a97-9b15-46cc-8341-38d75d5d421b", .tgt = "test-vm1",
	 .xv = XV_ALLOW, .target = "test-vm1", .autostart = YES, .notify = NO, .line = 1,
	 .reply = "!loopback qrexec connection not supported"},
	/* the uuid: source is removed from the candidates */
	{.id = "req-uuid-src-ask",
	 .pol = "* * @anyvm @anyvm ask\n",
	 .src = "uuid:c9024a97-9b15-46cc-8341-38d75d5d421b", .tgt = "test-vm2",
	 .xv = XV_ASK, .autostart = YES, .notify = NO, .line = 1,
	 .cands = "@dispvm:default-dvm @dispvm:test-vm3 @dispvm:test-vm4 default-dvm "
	          "test-invalid-dvm test-no-dvm test-relayvm1 test-remotevm1 "
	          "test-standalone test-template test-vm2 test-vm3 test-vm4 "
	          "test2-relayvm1 test2-relayvm2 test2-remotevm1 test2-remotevm2 "
	          "test2-vm1"},
	/* a @dispvm:X candidate for a missing X */
	/* differs from upstream: the ask is denied here (upstream raises KeyError while collecting targets) */
	/* upstream crashes: KeyError: 'no-such-vm' */
	{.id = "req-missing-dvm-ask",
	 .pol = "* * @anyvm @anyvm ask\n* * test-vm1 @dispvm:no-such-vm deny\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_DENY, .notify = YES, .line = 1,
	 .msg = "@D@/10-test.policy:2: @dispvm:no-such-vm names no qube (while collecting targets to ask)"},
	/* @dispvm:@tag: with no default_dispvm does not match */
	{.id = "req-dispvm-tag-nodvm",
	 .pol = "* * test-no-dvm @dispvm:@tag:tag3 allow\n",
	 .src = "test-no-dvm", .tgt = "@dispvm",
	 .xv = XV_DENY, .notify = YES,
	 .msg = "no matching rule found"},
	/* @dispvm:X vs @dispvm with no default_dispvm */
	/* differs from upstream: denied here, with our own reason (upstream raises AttributeError) */
	/* upstream crashes: AttributeError: 'NoneType' object has no attribute 'startswith' */
	{.id = "req-dispvm-vm-nodvm",
	 .pol = "* * test-no-dvm @dispvm:default-dvm allow\n",
	 .src = "test-no-dvm", .tgt = "@dispvm",
	 .xv = XV_DENY, .notify = YES, .line = 1},
	/* @dispvm:X matches @dispvm through default_dispvm; the target stays @dispvm */
	{.id = "req-dom0-dvm",
	 .pol = "* * @anyvm @dispvm:default-dvm allow\n",
	 .src = "test-vm1", .tgt = "@dispvm",
	 .xv = XV_ALLOW, .target = "@dispvm:default-dvm", .autostart = YES, .notify = NO, .line = 1,
	 .reply = "user=DEFAULT\n"
	          "result=allow\n"
	          "target=@dispvm:default-dvm\n"
	          "target_uuid=@dispvm:uuid:f3e538bd-4427-4697-bed7-45ef3270df21\n"
	          "autostart=True\n"
	          "requested_target=@dispvm"},
	/* ask: @dispvm offered as the source's default disposable */
	{.id = "req-ask-dispvm-cand",
	 .pol = "* * test-vm1 @dispvm ask\n",
	 .src = "test-vm1", .tgt = "@dispvm",
	 .xv = XV_ASK, .autostart = YES, .notify = NO, .line = 1,
	 .cands = "@dispvm:default-dvm"},
	/* ask: @dispvm dropped without default_dispvm */
	{.id = "req-ask-nodvm",
	 .pol = "* * test-no-dvm @dispvm ask\n",
	 .src = "test-no-dvm", .tgt = "@dispvm",
	 .xv = XV_DENY, .notify = YES, .line = 1,
	 .msg = "policy define 'ask' action at @D@/10-test.policy:1 but no target is available to choose from"},
	/* ask: * offers dom0 too */
	{.id = "req-ask-star",
	 .pol = "* * test-vm1 * ask\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_ASK, .autostart = YES, .notify = NO, .line = 1,
	 .cands = "@dispvm:default-dvm @dispvm:test-vm3 @dispvm:test-vm4 default-dvm "
	          "dom0 test-invalid-dvm test-no-dvm test-relayvm1 test-remotevm1 "
	          "test-standalone test-template test-vm2 test-vm3 test-vm4 "
	          "test2-relayvm1 test2-relayvm2 test2-remotevm1 test2-remotevm2 "
	          "test2-vm1"},
	/* ask: earlier rules win (deny above removes, deny below is overridden) */
	{.id = "req-ask-deny-order",
	 .pol = "* * test-vm1 test-vm3 deny\n"
	        "* * test-vm1 @anyvm ask\n"
	        "* * test-vm1 test-vm4 deny\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_ASK, .autostart = YES, .notify = NO, .line = 2,
	 .cands = "@dispvm:default-dvm @dispvm:test-vm3 @dispvm:test-vm4 default-dvm "
	          "test-invalid-dvm test-no-dvm test-relayvm1 test-remotevm1 "
	          "test-standalone test-template test-vm2 test-vm4 test2-relayvm1 "
	          "test2-relayvm2 test2-remotevm1 test2-remotevm2 test2-vm1"},
	/* ask: only rules for this service, argument and source count */
	{.id = "req-ask-svc",
	 .pol = "* * test-vm1 test-vm2 ask\n"
	        "other.Service * test-vm1 test-vm3 allow\n"
	        "test.Service +other test-vm1 test-vm4 allow\n"
	        "test.Service +argument test-vm2 test-vm4 allow\n"
	        "test.Service * test-vm1 test-vm4 allow\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_ASK, .autostart = YES, .notify = NO, .line = 1,
	 .cands = "test-vm2 test-vm4"},
	/* a default_target removed by autostart=no is dropped */
	{.id = "req-ask-default-run",
	 .pol = "* * test-vm1 @anyvm ask default_target=test-vm3 autostart=no\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_ASK, .autostart = NO, .notify = NO, .line = 1,
	 .cands = "test-relayvm1 test-remotevm1 test-vm2 test2-relayvm1 "
	          "test2-relayvm2 test2-remotevm1 test2-remotevm2 test2-vm1"},
	/* ask: @tag: expansion (source removed) */
	{.id = "req-ask-tag",
	 .pol = "* * test-vm1 @tag:tag2 ask\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_ASK, .autostart = YES, .notify = NO, .line = 1,
	 .cands = "test-invalid-dvm test-no-dvm test-standalone test-template "
	          "test-vm2"},
	/* ask: @type: expansion */
	{.id = "req-ask-type",
	 .pol = "* * test-vm1 @type:TemplateVM ask\n",
	 .src = "test-vm1", .tgt = "test-template",
	 .xv = XV_ASK, .autostart = YES, .notify = NO, .line = 1,
	 .cands = "test-template"},
	/* ask: @dispvm:@tag: expansion */
	{.id = "req-ask-dispvmtag",
	 .pol = "* * test-vm1 @dispvm:@tag:tag3 ask\n",
	 .src = "test-vm1", .tgt = "@dispvm:test-vm3",
	 .xv = XV_ASK, .autostart = YES, .notify = NO, .line = 1,
	 .cands = "@dispvm:test-vm3"},
	/* ask: an internal disposable template is never offered */
	{.id = "req-ask-mgmt",
	 .pol = "* * test-vm1 @dispvm:default-mgmt-dvm ask\n",
	 .src = "test-vm1", .tgt = "@dispvm:default-mgmt-dvm",
	 .xv = XV_DENY, .notify = YES, .line = 1,
	 .msg = "policy define 'ask' action at @D@/10-test.policy:1 but no target is available to choose from"},
	/* ask: uuid: candidate turned into its name */
	{.id = "req-ask-uuid-cand",
	 .pol = "* * test-vm1 uuid:b3eb69d0-f9d9-4c3c-ad5c-454500303ea4 ask\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_ASK, .autostart = YES, .notify = NO, .line = 1,
	 .cands = "test-vm2"},
	/* ask: a missing name contributes nothing */
	{.id = "req-ask-bogus",
	 .pol = "* * test-vm1 test-vm2 ask\n* * test-vm1 no-such-vm allow\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_ASK, .autostart = YES, .notify = NO, .line = 1,
	 .cands = "test-vm2"},
	/* a @dispvm:uuid: request */
	{.id = "req-dispvm-uuid",
	 .pol = "* * @anyvm @anyvm allow\n",
	 .src = "test-vm1", .tgt = "@dispvm:uuid:fa6d56e8-a89d-4106-aa62-22e172a43c8b",
	 .xv = XV_ALLOW, .target = "@dispvm:uuid:fa6d56e8-a89d-4106-aa62-22e172a43c8b", .autostart = YES, .notify = NO, .line = 1,
	 .reply = "user=DEFAULT\n"
	          "result=allow\n"
	          "target=@dispvm:uuid:fa6d56e8-a89d-4106-aa62-22e172a43c8b\n"
	          "target_uuid=@dispvm:uuid:fa6d56e8-a89d-4106-aa62-22e172a43c8b\n"
	          "autostart=True\n"
	          "requested_target=@dispvm:uuid:fa6d56e8-a89d-4106-aa62-22e172a43c8b"},
	/* dom0 is @type:AdminVM */
	{.id = "req-adminvm-type",
	 .pol = "* * test-vm1 @type:AdminVM allow\n"
	        "* * test-vm1 @adminvm deny notify=no\n",
	 .src = "test-vm1", .tgt = "dom0",
	 .xv = XV_ALLOW, .target = "dom0", .autostart = YES, .notify = NO, .line = 1,
	 .reply = "user=DEFAULT\n"
	          "result=allow\n"
	          "target=dom0\n"
	          "autostart=True\n"
	          "requested_target=dom0"},
	/* repr of a parameter holding a quote */
	{.id = "repr-param-quote",
	 .pol = "* * @anyvm @anyvm allow a'b\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid action parameter syntax: \"a'b\""},
	/* repr of a yes/no value */
	{.id = "repr-bool-quote",
	 .pol = "* * @anyvm @anyvm allow notify=x'y\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: 'notify' is \"x'y\", but can be only 'yes' or 'no'"},
	/* list repr of the parameters */
	{.id = "repr-params-list",
	 .pol = "* * @anyvm @anyvm allow foo=a\\b bar=\"q\"\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid parameters for action Allow: ['foo=a\\\\b', 'bar=\"q\"']"},
	/* repr of a repeated key */
	{.id = "repr-twice",
	 .pol = "* * @anyvm @anyvm allow x'=1 x'=2\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: parameter given twice: \"x'\""},
	/* repr of a token */
	{.id = "repr-token-quote",
	 .pol = "* * @a'b @anyvm allow\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid source token: \"@a'b\""},
	/* repr of a token with both quotes */
	{.id = "repr-token-both",
	 .pol = "* * @anyvm @a'b\"c allow\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid target token: '@a\\'b\"c'"},
	/* repr of a token with a backslash */
	{.id = "repr-token-backslash",
	 .pol = "* * @anyvm @anyvm allow target=@x\\y\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: invalid redirect token: '@x\\\\y'"},
	/* repr of an argument */
	{.id = "repr-arg-quote",
	 .pol = "test.Service +a'b @anyvm @anyvm allow\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: argument \"+a'b\" contains invalid characters: (\"'\",)"},
	/* repr of an argument without + */
	{.id = "repr-arg-noplus",
	 .pol = "test.Service a\"b @anyvm @anyvm allow\n",
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_LOADERR,
	 .msg = "@D@/10-test.policy:1: argument 'a\"b' contains invalid characters: ('\"',)"},
	/* a missing policy directory */
	/* differs from upstream: a missing policy directory counts as empty here (upstream fails the load) */
	{.id = "dir-missing-second",
	 .pol = "* * test-vm1 test-vm2 deny notify=no\n",
	 .src = "test-vm1", .tgt = "test-vm2", .rmdirs = "e",
	 .xv = XV_DENY, .notify = NO, .line = 1,
	 .msg = "denied by policy @D@/10-test.policy:1"},
	/* both policy directories missing */
	/* differs from upstream: missing policy directories count as empty here (upstream fails the load) */
	{.id = "dir-missing-all",
	 .pol = NULL,
	 .src = "test-vm1", .tgt = "test-vm2", .rmdirs = "de",
	 .xv = XV_DENY, .notify = YES,
	 .msg = "no matching rule found"},
	/* a missing legacy directory */
	/* differs from upstream: a missing legacy directory counts as empty here (upstream fails the load) */
	{.id = "dir-missing-legacy",
	 .pol = "!compat-4.0\n* * test-vm1 test-vm2 deny notify=no\n",
	 .src = "test-vm1", .tgt = "test-vm2", .rmdirs = "l",
	 .xv = XV_DENY, .notify = NO, .line = 2,
	 .msg = "denied by policy @D@/10-test.policy:2"},
	/* a bad name that is not a regular file is ignored */
	{.id = "dir-badname-dir",
	 .pol = "* * test-vm1 test-vm2 deny notify=no\n",
	 .files = (const struct tfile[]){
	 	{"d/Bad.policy", NULL, NULL},
	 	{"d/Bad2.policy", NULL, "@D@/nope"},
	 	{NULL, NULL, NULL}},
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_DENY, .notify = NO, .line = 1,
	 .msg = "denied by policy @D@/10-test.policy:1"},
	/* a RemoteVM without transport_rpc */
	{.id = "req-remote-notransport",
	 .pol = "* * @anyvm @anyvm allow\n",
	 .src = "test-vm1", .tgt = "test2-remotevm1",
	 .xv = XV_ALLOW, .target = "test2-remotevm1", .autostart = YES, .notify = NO, .line = 1,
	 .reply = "!test2-remotevm1: transport RPC is not set"},
	/* internal: only a truthy value hides a qube ("", 0, null do not) */
	{.id = "si-internal",
	 .pol = "* * @anyvm @anyvm ask\n",
	 .src = "vm-d", .tgt = "vm-a", .si = si_small,
	 .xv = XV_ASK, .autostart = YES, .notify = NO, .line = 1,
	 .cands = "remote-x vm-a vm-b vm-e"},
	/* an internal disposable template is hidden */
	{.id = "si-internal-dvm",
	 .pol = "* * @anyvm @dispvm:dvm ask\n",
	 .src = "vm-b", .tgt = "@dispvm:dvm", .si = si_small,
	 .xv = XV_DENY, .notify = YES, .line = 1,
	 .msg = "policy define 'ask' action at @D@/10-test.policy:1 but no target is available to choose from"},
	/* ask from a source whose default_dispvm names a missing qube */
	/* differs from upstream: denied here, with our own reason (upstream raises KeyError while filtering internal qubes) */
	/* upstream crashes: KeyError: 'gone' */
	{.id = "si-gone-dvm-ask",
	 .pol = "* * @anyvm @anyvm ask\n",
	 .src = "vm-a", .tgt = "vm-b", .si = si_small,
	 .xv = XV_DENY, .notify = YES, .line = 1},
	/* allow to @dispvm whose default_dispvm does not exist */
	/* differs from upstream: the reply is a deny here (upstream raises KeyError while writing it) */
	/* upstream crashes writing the reply: KeyError: 'gone' */
	{.id = "si-gone-dvm-allow",
	 .pol = "* * @anyvm @dispvm allow\n",
	 .src = "vm-a", .tgt = "@dispvm", .si = si_small,
	 .xv = XV_ALLOW, .target = "@dispvm:gone", .autostart = YES, .notify = NO, .line = 1,
	 .reply = "!@dispvm:gone: no such disposable template (or it has no uuid)"},
	/* @dispvm:@tag: through a default_dispvm naming a missing qube */
	/* differs from upstream: denied here, with our own reason (upstream raises KeyError) */
	/* upstream crashes: KeyError: 'gone' */
	{.id = "si-gone-dvm-tag",
	 .pol = "* * @anyvm @dispvm:@tag:t allow\n"
	        "* * @anyvm @anyvm deny notify=no\n",
	 .src = "vm-a", .tgt = "@dispvm", .si = si_small,
	 .xv = XV_DENY, .notify = YES, .line = 1},
	/* a RemoteVM without relayvm */
	{.id = "si-remote-norelay",
	 .pol = "* * @anyvm @anyvm allow\n",
	 .src = "vm-a", .tgt = "remote-x", .si = si_small,
	 .xv = XV_ALLOW, .target = "remote-x", .autostart = YES, .notify = NO, .line = 1,
	 .reply = "!remote-x: relayvm is not set"},
	/* a policy.d file may also be included: its rules come twice, no cycle */
	{.id = "dir-include-twice",
	 .pol = "!include 20-x.policy\n",
	 .files = (const struct tfile[]){
	 	{"d/20-x.policy", "* * test-vm1 test-vm2 deny notify=no\n", NULL},
	 	{NULL, NULL, NULL}},
	 .src = "test-vm1", .tgt = "test-vm2",
	 .xv = XV_DENY, .notify = NO, .line = 1,
	 .msg = "denied by policy @D@/20-x.policy:1"},
	/* a remote source to dom0: no policy_source line, user kept */
	{.id = "req-rsrc-dom0",
	 .pol = "* * test2-remotevm1 @adminvm allow user=root\n",
	 .src = "test2-relayvm1", .tgt = "@adminvm", .rsrc = "test2-remotevm1",
	 .xv = XV_ALLOW, .target = "dom0", .user = "root", .autostart = YES, .notify = NO, .line = 1,
	 .reply = "user=root\n"
	          "result=allow\n"
	          "target=dom0\n"
	          "autostart=True\n"
	          "requested_target=@adminvm"},
	/* the requested target is checked before requested_source */
	{.id = "req-rsrc-order",
	 .pol = "* * @anyvm @anyvm allow\n",
	 .src = "test-relayvm1", .tgt = "@anyvm", .rsrc = "no-such-vm",
	 .xv = XV_DENY, .notify = NO,
	 .msg = "invalid intendedtarget token: '@anyvm'"},
	/* not a template, then requested_source */
	{.id = "req-rsrc-dispvm-bad",
	 .pol = "* * @anyvm @anyvm allow\n",
	 .src = "test-relayvm1", .tgt = "@dispvm:test-vm1", .rsrc = "no-such-vm",
	 .xv = XV_DENY, .notify = YES,
	 .msg = "not a template for dispvm: test-vm1"},
};

/* ---- the runner ---- */

struct cstate {
	const struct ccase *c;
	char root[PATH_MAX];
	char d[PATH_MAX + 8], e[PATH_MAX + 8], l[PATH_MAX + 8];
	struct sysinfo *si;
	struct policy *p;
	struct pol_result res;
	bool have_res;
};

/* s with the placeholders replaced (malloc'd). */
static char *expand(const struct cstate *st, const char *s)
{
	size_t cap = strlen(s) * 2 + 1, n = 0;
	char *out = malloc(cap);
	assert_non_null(out);
	for (const char *p = s; *p;) {
		const char *rep = NULL;
		if (strncmp(p, "@D@", 3) == 0)
			rep = st->d;
		else if (strncmp(p, "@E@", 3) == 0)
			rep = st->e;
		else if (strncmp(p, "@L@", 3) == 0)
			rep = st->l;
		else if (strncmp(p, "@R@", 3) == 0)
			rep = st->root;
		size_t add = rep ? strlen(rep) : 1;
		if (n + add + 1 > cap) {
			cap = (n + add + 1) * 2;
			out = realloc(out, cap);
			assert_non_null(out);
		}
		if (rep) {
			memcpy(out + n, rep, add);
			p += 3;
		} else {
			out[n] = *p++;
		}
		n += add;
	}
	out[n] = '\0';
	return out;
}

static void mkparents(const char *path)
{
	char buf[PATH_MAX * 2];
	snprintf(buf, sizeof buf, "%s", path);
	for (char *s = strchr(buf + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			fail_msg("mkdir %s: %s", buf, strerror(errno));
		*s = '/';
	}
}

static void write_file(const struct cstate *st, const char *path, const char *content)
{
	char *text = expand(st, content);
	mkparents(path);
	FILE *f = fopen(path, "wb");
	if (!f)
		fail_msg("%s: %s", path, strerror(errno));
	fwrite(text, 1, strlen(text), f);
	fclose(f);
	free(text);
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int case_setup(void **state)
{
	struct cstate *st = calloc(1, sizeof *st);
	assert_non_null(st);
	st->c = *state;
	char tmpl[] = "/tmp/bh-conf-XXXXXX";
	assert_non_null(mkdtemp(tmpl));
	assert_non_null(realpath(tmpl, st->root));
	snprintf(st->d, sizeof st->d, "%s/d", st->root);
	snprintf(st->e, sizeof st->e, "%s/e", st->root);
	snprintf(st->l, sizeof st->l, "%s/l", st->root);
	assert_int_equal(mkdir(st->d, 0755), 0);
	assert_int_equal(mkdir(st->e, 0755), 0);
	assert_int_equal(mkdir(st->l, 0755), 0);
	*state = st;
	char err[512];
	const char *json = st->c->si ? st->c->si : fixture_json;
	if (sysinfo_parse(json, strlen(json), &st->si, err, sizeof err) < 0)
		fail_msg("system info: %s", err);
	char path[PATH_MAX * 2];
	if (st->c->pol) {
		snprintf(path, sizeof path, "%s/10-test.policy", st->d);
		write_file(st, path, st->c->pol);
	}
	for (const struct tfile *f = st->c->files; f && f->path; f++) {
		snprintf(path, sizeof path, "%s/%s", st->root, f->path);
		if (f->link) {
			char *target = expand(st, f->link);
			mkparents(path);
			assert_int_equal(symlink(target, path), 0);
			free(target);
		} else if (f->content) {
			write_file(st, path, f->content);
		} else {
			mkparents(path);
			assert_int_equal(mkdir(path, 0755), 0);
		}
	}
	for (const char *r = st->c->rmdirs; r && *r; r++) {
		snprintf(path, sizeof path, "%s/%c", st->root, *r);
		assert_int_equal(nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
	}
	return 0;
}

static int case_teardown(void **state)
{
	struct cstate *st = *state;
	if (st->have_res)
		pol_result_free(&st->res);
	policy_free(st->p);
	sysinfo_free(st->si);
	nftw(st->root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(st);
	return 0;
}

/* Compares got with the expected text after placeholder expansion. */
static void expect_str(const struct cstate *st, const char *what, const char *got,
		       const char *exp)
{
	char *e = exp ? expand(st, exp) : NULL;
	bool ok = (got == NULL) == (e == NULL) && (!got || strcmp(got, e) == 0);
	if (!ok) {
		print_error("%s: %s:\n  got      \"%s\"\n  expected \"%s\"\n", st->c->id, what,
			    got ? got : "(null)", e ? e : "(null)");
		free(e);
		fail();
	}
	free(e);
}

static void expect_flag(const struct cstate *st, const char *what, bool got, int exp)
{
	if (exp && got != (exp == YES))
		fail_msg("%s: %s: got %s, expected %s", st->c->id, what, got ? "yes" : "no",
			 exp == YES ? "yes" : "no");
}

static const char *vname(enum pol_verdict v)
{
	return v == POL_ALLOW ? "allow" : v == POL_ASK ? "ask" : "deny";
}

static void expect_verdict(const struct cstate *st, enum xv want)
{
	enum pol_verdict v = want == XV_ALLOW ? POL_ALLOW : want == XV_ASK ? POL_ASK : POL_DENY;
	if (st->res.verdict != v)
		fail_msg("%s: verdict %s (%s), expected %s", st->c->id, vname(st->res.verdict),
			 st->res.reason, vname(v));
}

static void check_result(struct cstate *st)
{
	const struct ccase *c = st->c;
	struct pol_result *r = &st->res;
	expect_verdict(st, c->xv);
	if (c->line) {
		if (!r->rule)
			fail_msg("%s: no deciding rule, expected line %u", c->id, c->line);
		assert_int_equal(r->rule->line, c->line);
	}
	if (c->rule) {
		struct arena a;
		arena_init(&a);
		assert_non_null(r->rule);
		const char *txt = rule_format(r->rule, &a);
		expect_str(st, "rule text", txt, c->rule);
		arena_free(&a);
	}
	expect_flag(st, "notify", r->notify, c->notify);
	if (c->xv == XV_DENY) {
		if (c->msg)
			expect_str(st, "deny reason", r->reason, c->msg);
		return;
	}
	const char *user = r->user && r->user[0] ? r->user : NULL;
	expect_str(st, "user", user, c->user);
	expect_flag(st, "autostart", r->autostart, c->autostart);
	if (c->xv == XV_ALLOW) {
		expect_str(st, "target", r->target, c->target);
		return;
	}
	/* ask */
	size_t len = 1;
	for (size_t i = 0; i < r->ntargets; i++)
		len += strlen(r->targets[i]) + 1;
	char *cands = calloc(1, len);
	assert_non_null(cands);
	for (size_t i = 0; i < r->ntargets; i++) {
		if (i)
			strcat(cands, " ");
		strcat(cands, r->targets[i]);
	}
	expect_str(st, "candidates", cands, c->cands);
	free(cands);
	expect_str(st, "default target", r->default_target, c->deflt);
}

static void run_case(void **state)
{
	struct cstate *st = *state;
	const struct ccase *c = st->c;
	char err[2048] = "";
	const char *dirs[2] = {st->d, st->e};
	struct policy_load_opts o = {.dirs = dirs, .ndirs = 2, .compat_dir = st->l};
	st->p = policy_load(&o, err, sizeof err);
	if (c->xv == XV_LOADERR) {
		if (st->p)
			fail_msg("%s: the policy loaded, expected \"%s\"", c->id, c->msg);
		expect_str(st, "load error", err, c->msg);
		return;
	}
	if (!st->p)
		fail_msg("%s: load failed: %s", c->id, err);
	struct pol_request rq = {
		.service = c->svc ? c->svc : "test.Service",
		.argument = c->arg ? c->arg : "+argument",
		.source = c->src,
		.target = c->tgt,
		.requested_source = c->rsrc,
	};
	assert_int_equal(pol_evaluate(st->p, st->si, &rq, &st->res, NULL, NULL), 0);
	st->have_res = true;
	check_result(st);
	if (c->answer) {
		pol_ask_answer(&st->res, st->si, strcmp(c->answer, "-") ? c->answer : NULL);
		expect_verdict(st, c->after);
		if (c->after == XV_ALLOW) {
			expect_str(st, "answered target", st->res.target, c->atarget);
		} else {
			expect_flag(st, "answer notify", st->res.notify, c->anotify);
			expect_str(st, "answer reason", st->res.reason, c->amsg);
		}
	}
	if (c->reply) {
		const char *out = pol_format_allow(&st->res, st->si, &rq);
		if (c->reply[0] == '!') {
			if (out)
				fail_msg("%s: reply \"%s\", expected a deny", c->id, out);
			expect_str(st, "reply deny reason", st->res.reason, c->reply + 1);
			expect_flag(st, "reply deny notify", st->res.notify, YES);
		} else {
			expect_str(st, "reply", out, c->reply);
		}
	}
	if (c->decide) {
		struct pol_result r2;
		const char *out = pol_decide(st->p, st->si, &rq, c->decide & D_JE, c->decide & D_AY, &r2);
		char *copy = strdup(out);
		pol_result_free(&r2);
		expect_str(st, "decision", copy, c->decided);
		free(copy);
	}
}

int main(void)
{
	size_t n = sizeof cases / sizeof cases[0];
	struct CMUnitTest *tests = calloc(n, sizeof *tests);
	if (!tests)
		return 1;
	for (size_t i = 0; i < n; i++) {
		tests[i].name = cases[i].id;
		tests[i].test_func = run_case;
		tests[i].setup_func = case_setup;
		tests[i].teardown_func = case_teardown;
		tests[i].initial_state = (void *)&cases[i];
	}
	int rc = _cmocka_run_group_tests("policy_conformance", tests, n, NULL, NULL);
	free(tests);
	return rc;
}

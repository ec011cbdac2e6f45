/* sched_json.c — JSON rendering of Ms, Ps and runtime.sched (see sched_json.h and docs/json.md). */
#include "render/sched_json.h"

static void kopt_int(struct gp_json *j, const char *key, int64_t v)
{
	if (v < 0)
		gp_json_kstr(j, key, NULL);
	else
		gp_json_kint(j, key, v);
}

static void kopt_bool(struct gp_json *j, const char *key, int v)
{
	if (v < 0)
		gp_json_kstr(j, key, NULL);
	else
		gp_json_kbool(j, key, v);
}

static void kaddr(struct gp_json *j, const char *key, uint64_t v)
{
	if (v)
		gp_json_khex(j, key, v);
	else
		gp_json_kstr(j, key, NULL);
}

static void from_list(struct gp_json *j, unsigned from)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = {{GP_FROM_ALLM, "allm"}, {GP_FROM_THREAD, "thread"}, {GP_FROM_ALLP, "allp"},
		     {GP_FROM_M, "m"},       {GP_FROM_PIDLE, "pidle"}};
	gp_json_key(j, "found_from");
	gp_json_arr_begin(j);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (from & names[i].bit)
			gp_json_str(j, names[i].name);
	gp_json_arr_end(j);
}

static void json_m(struct gp_json *j, const struct gp_m *m)
{
	gp_json_obj_begin(j);
	gp_json_kint(j, "id", m->id);
	gp_json_khex(j, "addr", m->addr);
	gp_json_kint(j, "procid", (int64_t)m->procid);
	kopt_int(j, "thread", m->tid);
	kopt_int(j, "tls_thread", m->tls_tid);
	kaddr(j, "curg", m->curg);
	kopt_int(j, "curg_goid", m->curg_goid);
	kopt_int(j, "p", m->p_id);
	kopt_int(j, "nextp", m->nextp_id);
	kopt_int(j, "oldp", m->oldp_id);
	kaddr(j, "lockedg", m->lockedg);
	kopt_int(j, "lockedg_goid", m->lockedg_goid);
	kopt_bool(j, "spinning", m->spinning);
	kopt_bool(j, "blocked", m->blocked);
	gp_json_kint(j, "mallocing", m->mallocing);
	gp_json_kint(j, "throwing", m->throwing);
	gp_json_kint(j, "locks", m->locks);
	gp_json_kint(j, "dying", m->dying);
	kopt_bool(j, "incgo", m->incgo);
	kopt_bool(j, "isextra", m->isextra);
	gp_json_khex(j, "g0", m->g0);
	kaddr(j, "gsignal", m->gsignal);
	from_list(j, m->from);
	gp_json_obj_end(j);
}

static void json_p(struct gp_json *j, const struct gp_layout *l, const struct gp_p *p)
{
	gp_json_obj_begin(j);
	gp_json_kint(j, "id", p->id);
	gp_json_khex(j, "addr", p->addr);
	gp_json_kstr(j, "status", gp_p_status_name(l, p->status));
	gp_json_kint(j, "status_code", p->status);
	kopt_int(j, "m", p->m ? p->m_id : -1);
	gp_json_kint(j, "runq_size", (int64_t)(uint32_t)(p->runqtail - p->runqhead));
	kopt_int(j, "runnext_goid", p->runnext ? p->runnext_goid : -1);
	kopt_int(j, "schedtick", p->schedtick);
	kopt_int(j, "syscalltick", p->syscalltick);
	from_list(j, p->from);
	gp_json_obj_end(j);
}

void gp_json_sched(struct gp_json *j, const struct gp_rt *rt, const struct gp_sched *s)
{
	const struct gp_schedt *c = &s->s;
	gp_json_key(j, "sched");
	gp_json_obj_begin(j);
	gp_json_kstr(j, "allm_found_by", s->allm_how);
	gp_json_kstr(j, "allp_found_by", s->allp_how);
	gp_json_kstr(j, "sched_found_by", s->sched_how);
	gp_json_kstr(j, "gomaxprocs_from", s->gomaxprocs_how);
	gp_json_kstr(j, "ms_problem", s->ms_problem);
	gp_json_kstr(j, "ps_problem", s->ps_problem);
	gp_json_kstr(j, "sched_problem", s->sched_problem);
	kopt_int(j, "gomaxprocs", s->gomaxprocs);
	if (c->present) {
		gp_json_khex(j, "addr", s->sched_addr);
		kopt_int(j, "mcount", c->mnext >= 0 && c->nmfreed >= 0 ? c->mnext - c->nmfreed : -1);
		kopt_int(j, "mnext", c->mnext);
		kopt_int(j, "nmfreed", c->nmfreed);
		kopt_int(j, "nmidle", c->nmidle);
		kopt_int(j, "nmidlelocked", c->nmidlelocked);
		kopt_int(j, "nmsys", c->nmsys);
		kopt_int(j, "maxmcount", c->maxmcount);
		kopt_int(j, "npidle", c->npidle);
		kopt_int(j, "nmspinning", c->nmspinning);
		kopt_int(j, "runq_size", c->runqsize);
		kopt_bool(j, "gcwaiting", (int)c->gcwaiting);
		kopt_int(j, "stopwait", c->stopwait);
		kopt_bool(j, "sysmonwait", (int)c->sysmonwait);
		gp_json_kint(j, "goidgen", (int64_t)c->goidgen);
		gp_json_kint(j, "lastpoll", (int64_t)c->lastpoll);
	}
	gp_json_obj_end(j);
	gp_json_key(j, "ms");
	gp_json_arr_begin(j);
	for (size_t i = 0; i < s->nms; i++)
		json_m(j, &s->ms[i]);
	gp_json_arr_end(j);
	gp_json_key(j, "ps");
	gp_json_arr_begin(j);
	for (size_t i = 0; i < s->nps; i++)
		json_p(j, rt->l, &s->ps[i]);
	gp_json_arr_end(j);
}

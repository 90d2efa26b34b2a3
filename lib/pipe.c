/*
 * pipe.c - a ring of slots handed from a producer to a consumer, one of
 * them a thread of its own: the writer compresses on one while its caller
 * fills the next buffer, diff parses on one while its caller indexes what
 * was parsed before.
 *
 * The slots are the caller's (an array indexed by what these functions
 * return); the pipe only counts them. The producer fills slot put % n and
 * publishes it, the consumer uses slot got % n and releases it; neither
 * waits while the other has room. An error on either side stops both,
 * and its message travels with it (messages are per thread).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

int
cti__pipe_start(struct cti__pipe *p, unsigned nslot, void *(*fn)(void *),
		void *arg)
{
	int e;

	memset(p, 0, sizeof(*p));
	p->nslot = nslot;
	if ((e = pthread_mutex_init(&p->mu, NULL)))
		return cti__seterrno(CTI_ENOMEM, e, "cannot start a thread");
	if ((e = pthread_cond_init(&p->cv, NULL))) {
		pthread_mutex_destroy(&p->mu);
		return cti__seterrno(CTI_ENOMEM, e, "cannot start a thread");
	}
	if ((e = pthread_create(&p->thread, NULL, fn, arg))) {
		pthread_cond_destroy(&p->cv);
		pthread_mutex_destroy(&p->mu);
		return cti__seterrno(CTI_ENOMEM, e, "cannot start a thread");
	}
	p->started = 1;
	return CTI_OK;
}

/* Record err (the message of this thread) unless an error came first. */
static void
fail_locked(struct cti__pipe *p, int err)
{
	if (err && !p->err) {
		p->err = err;
		snprintf(p->errmsg, sizeof(p->errmsg), "%s", cti_errmsg());
	}
	p->stopped = 1;
	pthread_cond_broadcast(&p->cv);
}

int
cti__pipe_slot(struct cti__pipe *p)
{
	int i = -1;

	pthread_mutex_lock(&p->mu);
	while (!p->stopped && p->put - p->got >= p->nslot)
		pthread_cond_wait(&p->cv, &p->mu);
	if (!p->stopped)
		i = (int)(p->put % p->nslot);
	pthread_mutex_unlock(&p->mu);
	return i;
}

void
cti__pipe_put(struct cti__pipe *p)
{
	pthread_mutex_lock(&p->mu);
	p->put++;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

void
cti__pipe_close(struct cti__pipe *p)
{
	pthread_mutex_lock(&p->mu);
	p->closed = 1;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

int
cti__pipe_next(struct cti__pipe *p)
{
	int i = -1;

	pthread_mutex_lock(&p->mu);
	while (!p->stopped && !p->closed && p->put == p->got)
		pthread_cond_wait(&p->cv, &p->mu);
	if (!p->stopped && p->put != p->got)
		i = (int)(p->got % p->nslot);
	pthread_mutex_unlock(&p->mu);
	return i;
}

void
cti__pipe_done(struct cti__pipe *p)
{
	pthread_mutex_lock(&p->mu);
	p->got++;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

int
cti__pipe_drain(struct cti__pipe *p)
{
	pthread_mutex_lock(&p->mu);
	while (!p->stopped && p->got != p->put)
		pthread_cond_wait(&p->cv, &p->mu);
	pthread_mutex_unlock(&p->mu);
	return cti__pipe_error(p);
}

void
cti__pipe_stop(struct cti__pipe *p, int err)
{
	pthread_mutex_lock(&p->mu);
	fail_locked(p, err);
	pthread_mutex_unlock(&p->mu);
}

int
cti__pipe_error(struct cti__pipe *p)
{
	int err;

	pthread_mutex_lock(&p->mu);
	err = p->err;
	pthread_mutex_unlock(&p->mu);
	if (err)
		cti__seterr(err, "%s", p->errmsg);
	return err;
}

int
cti__pipe_finish(struct cti__pipe *p)
{
	if (!p->started)
		return CTI_OK;
	cti__pipe_close(p);
	pthread_join(p->thread, NULL);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	p->started = 0;
	if (p->err)
		cti__seterr(p->err, "%s", p->errmsg);
	return p->err;
}

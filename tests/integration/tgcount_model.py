#!/usr/bin/env python3
"""An independent model of tgcount's window contract (README, "The window
contract"), for the differential test tgcount_model.sh and the golden cases
(golden.sh checks that each expected output is also what the model derives).

  tgcount_model.py gen SEED        random JSON lines: out-of-order and late
                                   times, duplicates, records without ids or
                                   usernames, malformed lines
  tgcount_model.py run ARGS < IN   what tgcount ARGS must print for IN
  tgcount_model.py run --partitioned ARGS < IN
                                   the same for a Kafka topic: each line of
                                   IN is "PARTITION RECORD" (kcat -f '%p %s\n')
  tgcount_model.py run --partitioned --results N ARGS < IN
                                   the results topic a correct writer of an
                                   N-partition input topic writes (README,
                                   "Merged view"): "PARTITION:MESSAGE" lines,
                                   each partition's rows of the windows its
                                   own W_p passed, then its progress (W_p)
  tgcount_model.py run --partitioned --merged N ARGS < IN
                                   what tgcount --merge -e prints over those
                                   messages: a window is final when every
                                   partition's W_p passed its end; its rows
                                   are summed over the partitions that passed
                                   it; the others are provisional
  tgcount_model.py run --partitioned --at-end N ARGS < IN
                                   what tgcount -e prints for an N-partition
                                   topic: the windows every partition's W_p
                                   passed, final, then the others,
                                   provisional, all with every partition's
                                   counts

The model keeps whole windows (no panes, no hashing, no forgetting beyond
the contract) and follows the contract's wording step by step: a duplicate
(same channel_id/message_id as a counted record whose windows are not all
final) is only counted in the stats; otherwise the record is added to each
of its windows whose end > W, or is late; then W = max(W, t - lateness)
(duplicates included: their event time was seen) and every window with
end <= W is printed once, by end, start, --window order.

--partitioned follows the per-partition contract (README, "The window
contract", Kafka): each partition has its own W_p and its own dedup set, a
record is judged against its own partition's alone, and a window's counts
are summed over the partitions.  In follow mode, which windows are printed
final before the end depends on how the partitions were read; once the
provisional marks are removed (tg_unmark), every order prints the windows
by end, start, --window order, which is what this prints, all at the end.
With --at-end N the marks are -e's too, which depend on the topic alone.
"""
import datetime
import json
import random
import re
import sys


def dur(s):
    # Command-line durations: digits alone are seconds, else number-unit
    # parts ("1m30s"); the README's rule, shared by both tools.
    if re.fullmatch(r'\d+', s): return int(s)*1000
    tot=0
    for n,u in re.findall(r'(\d+)(ms|s|m|h|d)', s):
        tot+=int(n)*{'ms':1,'s':1000,'m':60000,'h':3600000,'d':86400000}[u]
    return tot


def parse_time(s):
    m=re.fullmatch(r'(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d(?::?\d\d)?)?', s)
    if not m: raise ValueError
    y,mo,d,h,mi,se=map(int,m.groups()[:6])
    frac=(m.group(7) or '')[:3].ljust(3,'0')
    dt=datetime.datetime(y,mo,d,h,mi,se,tzinfo=datetime.timezone.utc)
    ms=int(dt.timestamp())*1000+int(frac)
    z=m.group(8)
    if z and z!='Z':
        sign=1 if z[0]=='+' else -1
        zz=z[1:].replace(':','')
        off=int(zz[:2])*60+(int(zz[2:]) if len(zz)>2 else 0)
        ms-=sign*off*60000
    return ms


def fmt(ms):
    dt=datetime.datetime.fromtimestamp(ms//1000, datetime.timezone.utc)
    s=dt.strftime('%Y-%m-%dT%H:%M:%S')
    if ms%1000: s+='.%03d'%(ms%1000)
    return s+'Z'


# Names the text format must quote (README, "Output formats"), and some it
# must not.
ODD_NAMES=['#h%d','"q%d','a, b%d','n\u0085%d','l\u2028%d','p\u2029%d','c\x01\x7f%d',
           't\t\\%d','a,b%d','mid#%d"','\u00a0%d']


def generate(seed):
    random.seed(seed)
    n=random.choice([1,5,50,400,2000])
    users=random.choice([1,3,20,200])
    base=1714564800000 + random.randint(-10**6,10**6)*1000
    t=base
    lines=[]
    for i in range(n):
        t += random.choice([0,0,1,500,1000,7000,30000,90000]) if random.random()<0.9 else -random.randint(0,200000)
        tt=t+random.randint(-60000,60000) if random.random()<0.1 else t
        dt=datetime.datetime.fromtimestamp(tt/1000, datetime.timezone.utc)
        ts=dt.strftime('%Y-%m-%dT%H:%M:%S')+('.%03d'%(tt%1000) if tt%1000 else '')+'Z'
        rec={"event_time":ts}
        r=random.random()
        if r<0.85:
            rec["channel_id"]=random.choice([-1,-2]); rec["message_id"]=random.randint(1,n*2 if random.random()<0.8 else 10)
        u=random.randrange(users)
        rr=random.random()
        if rr<0.04: rec["username"]=random.choice(ODD_NAMES)%u
        elif rr<0.8: rec["username"]="u%d"%u if u%7 else "U_%d"%u
        elif rr<0.9: rec["user_id"]=u
        lines.append(json.dumps(rec))
        if random.random()<0.03: lines.append(random.choice(['garbage','{"x":1}','[]','']))
    print("\n".join(lines))


def text_name(u):
    # README, "Output formats", text: a name that starts with '#' or '"', or
    # contains ", ", a control character (U+0000-U+001F, U+007F-U+009F) or
    # U+2028/U+2029 is written as a JSON string literal: \" \\ \n \r \t,
    # the other controls and U+2028/U+2029 as \u and four lowercase hex
    # digits, everything else as it is; every other name as it is.
    special=lambda c: ord(c)<0x20 or 0x7f<=ord(c)<=0x9f or c in '\u2028\u2029'
    if not (u[:1] in ('#','"') or ', ' in u or any(special(c) for c in u)):
        return u
    short={'"':'\\"','\\':'\\\\','\n':'\\n','\r':'\\r','\t':'\\t'}
    return '"'+''.join(short[c] if c in short else '\\u%04x'%ord(c) if special(c) else c
                       for c in u)+'"'


def model(args):
    results=0;merged=0;at_end=0;pcounts={}  # (spec, k, partition) -> {key: n}
    specs=[];L=30000;top=0;dedup=True;form='text';stopped=False;partitioned=False;stats=False;late=0;dups=0
    i=0
    while i<len(args):
        a=args[i]
        if a in('-w',): specs.append(args[i+1]); i+=2
        elif a=='-l': L=dur(args[i+1]); i+=2
        elif a=='-n': top=int(args[i+1]); i+=2
        elif a=='-f': form=args[i+1]; i+=2
        elif a=='--no-dedup': dedup=False; i+=1
        # --stopped: the input did not end (Kafka -e, a signal), so the
        # windows still open at the end are provisional.
        elif a=='--stopped': stopped=True; i+=1
        elif a=='--partitioned': partitioned=True; i+=1
        elif a=='--results': results=int(args[i+1]); i+=2
        elif a=='--merged': merged=int(args[i+1]); i+=2
        # --at-end N: what tgcount -e prints for an N-partition topic: a
        # window is final when every partition's own W_p, at its end,
        # passed it (a partition without a record passed none); the other
        # windows with counts are provisional.
        elif a=='--at-end': at_end=int(args[i+1]); i+=2
        # --stats: "late=N duplicates=M" on stderr, as tgcount's stats say.
        elif a=='--stats': stats=True; i+=1
        else: raise SystemExit('arg '+a)
    if not specs: specs=['1m','10m/30s']
    sp=[]
    for s in specs:
        a,_,b=s.partition('/')
        sp.append((dur(a),dur(b) if b else dur(a),s))
    Wp={}     # partition -> its W (None: minus infinity)
    counts={}  # (spec, k) -> {key: n}
    emitted=set()
    seenp={}  # partition -> {(channel_id, message_id): t}
    out=[]
    def wkey(w):
        si,k=w; S,D,_=sp[si]; return (k*D+S, k*D, si)
    def emit(ws, final=True):
        for w in sorted(ws,key=wkey):
            si,k=w;S,D,text=sp[si]
            rows=sorted(counts[w].items(), key=lambda kv:(-kv[1], kv[0].encode()))
            if top: rows=rows[:top]
            st,en=fmt(k*D),fmt(k*D+S)
            if form=='text':
                out.append('# %s %s %s%s'%(text,st,en,'' if final else ' provisional'))
                for u,n in rows: out.append('%s, %d'%(text_name(u),n))
            elif form=='csv':
                for u,n in rows:
                    q=lambda f: '"'+f.replace('"','""')+'"' if re.search('[,"\r\n]',f) else f
                    out.append('%s,%s,%s,%s,%d,%s'%(q(text),st,en,q(u),n,'true' if final else 'false'))
            else:
                for u,n in rows:
                    out.append(json.dumps({"window":text,"start":st,"end":en,"username":u,"count":n,"final":final},ensure_ascii=False,separators=(',',':')))
            emitted.add(w)
    def dupkeys(pairs):
        d={}
        for k,v in pairs:
            if k in d: raise ValueError('dup')
            d[k]=v
        return d
    for line in sys.stdin.buffer.read().split(b'\n'):
        line=line.rstrip(b'\r')
        part=0
        if partitioned:
            head,_,line=line.partition(b' ')
            if not head: continue
            part=int(head)
        if line.strip(b' \t\r')==b'': continue
        W=Wp.get(part); seen=seenp.setdefault(part,{})
        # Without partitions, windows are printed as W passes them; with
        # them, all at the end (see above).
        final_now=lambda: [] if partitioned else [w for w in counts if w not in emitted and wkey(w)[0]<=W]
        try:
            o=json.loads(line.decode('utf-8'), object_pairs_hook=dupkeys)
            if not isinstance(o,dict): raise ValueError
            t=parse_time(o['event_time'])
        except Exception:
            continue
        u=o.get('username'); uid=o.get('user_id')
        if isinstance(u,str) and u: key=u
        elif isinstance(uid,int) and not isinstance(uid,bool): key='user_%d'%uid
        else: key='anonymous'
        ids=None
        if isinstance(o.get('channel_id'),int) and isinstance(o.get('message_id'),int):
            ids=(o['channel_id'],o['message_id'])
        if dedup and ids is not None and ids in seen:
            t0=seen[ids]
            last_end=max((t0//D)*D+S for S,D,_ in sp)
            if W is None or last_end>W:
                dups+=1
                # A duplicate is only counted in the stats, but its event time
                # was seen: W still advances.
                W=Wp[part]=t-L if W is None else max(W,t-L)
                emit(final_now())
                continue
        wins=[]
        for si,(S,D,_) in enumerate(sp):
            for k in range((t-S)//D+1, t//D+1):
                if W is None or k*D+S>W: wins.append((si,k))
        if not wins: late+=1
        if wins:
            for w in wins:
                counts.setdefault(w,{}); counts[w][key]=counts[w].get(key,0)+1
                pc=pcounts.setdefault(w+(part,),{}); pc[key]=pc.get(key,0)+1
            if dedup and ids is not None: seen[ids]=t
        W=Wp[part]=t-L if W is None else max(W,t-L)
        emit(final_now())
    if results or merged:
        return model_results(results or merged, bool(merged), sp, Wp, pcounts, counts, emit, form, out)
    if at_end:
        G=min(Wp[p] for p in range(at_end)) if all(Wp.get(p) is not None for p in range(at_end)) else None
        fin=lambda w: G is not None and sp[w[0]][1]*w[1]+sp[w[0]][0]<=G
        emit([w for w in counts if fin(w)], final=True)
    emit([w for w in counts if w not in emitted], final=not stopped and not at_end)
    if form=='csv': out.insert(0,'window,start,end,username,count,final')
    if stats: sys.stderr.write('late=%d duplicates=%d\n'%(late,dups))
    sys.stdout.write(''.join(l+'\n' for l in out))


def model_results(n, merged, sp, Wp, pcounts, counts, emit, form, out):
    # A partition's rows are written once its own W_p has passed the
    # window's end; progress says W_p.  A partition without a record has
    # no W_p and writes nothing, so no window is final then.
    passed=lambda w,p: Wp.get(p) is not None and sp[w[0]][1]*w[1]+sp[w[0]][0]<=Wp[p]
    if not merged:
        for (si,k,p),users in sorted(pcounts.items(), key=lambda kv:(kv[0][2],kv[0][:2])):
            S,D,text=sp[si]
            if not passed((si,k),p): continue
            for u,c in sorted(users.items()):
                sys.stdout.write('%d:%s\n'%(p,json.dumps({"type":"row","window":text,"start":fmt(k*D),
                    "end":fmt(k*D+S),"username":u,"count":c,"final":True,"topic":"rndin",
                    "partition":p},ensure_ascii=False,separators=(',',':'))))
        for p in sorted(Wp):
            sys.stdout.write('%d:%s\n'%(p,json.dumps({"type":"progress","topic":"rndin",
                "partition":p,"partitions":n,"watermark":fmt(Wp[p])},separators=(',',':'))))
        return
    G=min(Wp[p] for p in range(n)) if all(Wp.get(p) is not None for p in range(n)) else None
    counts.clear()
    for (si,k,p),users in pcounts.items():
        if not passed((si,k),p): continue
        c=counts.setdefault((si,k),{})
        for u,x in users.items(): c[u]=c.get(u,0)+x
    fin=lambda w: G is not None and sp[w[0]][1]*w[1]+sp[w[0]][0]<=G
    emit([w for w in counts if fin(w)], final=True)
    emit([w for w in counts if not fin(w)], final=False)
    if form=='csv': out.insert(0,'window,start,end,username,count,final')
    sys.stdout.write(''.join(l+'\n' for l in out))


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "gen":
        generate(int(sys.argv[2]))
    elif len(sys.argv) >= 2 and sys.argv[1] == "run":
        model(sys.argv[2:])
    else:
        sys.exit("usage: tgcount_model.py gen SEED | run ARGS... < INPUT")

#!/bin/bash
# cases.sh : build one tree per --check-config case under /tmp/fwd-research/cases/NAME and run check.sh on each
S=/tmp/fwd-research/scripts; C=/tmp/fwd-research/cases; mkdir -p $C
hdr='<?xml version="1.0" encoding="utf-8"?>'
zone() { printf '%s\n%s\n' "$hdr" "$2" > "$T/zones/$1.xml"; }
svc()  { printf '%s\n%s\n' "$hdr" "$2" > "$T/services/$1.xml"; }
pol()  { printf '%s\n%s\n' "$hdr" "$2" > "$T/policies/$1.xml"; }
new()  { T=$C/$1; $S/mktree.sh $T; }
run()  { echo "### $1"; $S/check.sh $C/$1; }

new good;           zone myz '<zone><service name="ssh"/><port port="2222" protocol="tcp"/></zone>'
new malformed;      zone myz '<zone><service name="ssh"></zone>'
new badtarget;      zone myz '<zone target="REJECT"><service name="ssh"/></zone>'
new badtarget2;     zone myz '<zone target="reject"/>'
new target_default; zone myz '<zone target="default"><service name="ssh"/></zone>'
new unksvc;         zone myz '<zone><service name="sshh"/></zone>'
new unksvc_rich;    zone myz '<zone><rule family="ipv4"><source address="192.0.2.0/24"/><service name="nosuchsvc"/><accept/></rule></zone>'
new iface2;         zone aa '<zone><interface name="eth1"/></zone>'; zone bb '<zone><interface name="eth1"/></zone>'
new iface_stock;    zone aa '<zone><interface name="eth0"/></zone>'; zone public '<zone><service name="ssh"/><interface name="eth0"/></zone>'
new src2;           zone aa '<zone><source address="192.0.2.0/24"/></zone>'; zone bb '<zone><source address="192.0.2.0/24"/></zone>'
new src_overlap;    zone aa '<zone><source address="192.0.2.0/24"/></zone>'; zone bb '<zone><source address="192.0.2.0/25"/></zone>'
new src_samezone2;  zone aa '<zone><source address="192.0.2.0/24"/><source address="192.0.2.0/24"/></zone>'
new baddefzone;     sed -i 's/^DefaultZone=.*/DefaultZone=nosuchzone/' $T/firewalld.conf
new nodefzone;      sed -i '/^DefaultZone=/d' $T/firewalld.conf
new noconf;         rm $T/firewalld.conf
new badconfline;    printf 'DefaultZone=drop\nFoo=bar\nDefaultZone=trusted\nLogDenied=bogus\nFirewallBackend=iptables\n' > $T/firewalld.conf
new unkipset_src;   zone myz '<zone><source ipset="nosuchset"/></zone>'
new unkipset_rich;  zone myz '<zone><rule family="ipv4"><source ipset="nosuchset"/><service name="ssh"/><accept/></rule></zone>'
new zonename17;     zone abcdefghijklmnopq '<zone/>'
new zonename18;     zone abcdefghijklmnopqr '<zone/>'
new polname18;      pol abcdefghijklmnopqr '<policy target="CONTINUE"><ingress-zone name="ANY"/><egress-zone name="HOST"/></policy>'
new polname19;      pol abcdefghijklmnopqrs '<policy target="CONTINUE"><ingress-zone name="ANY"/><egress-zone name="HOST"/></policy>'
new svcname_long;   svc $(printf 'a%.0s' {1..200}) '<service><port port="1" protocol="tcp"/></service>'
new zonename_badch; zone 'my.zone' '<zone/>'
new emptyfile;      : > $T/zones/myz.xml
new emptyfile_svc;  : > $T/services/mysvc.xml
new nonxml;         echo 'garbage <<<' > $T/zones/junk.txt; echo 'garbage' > $T/zones/public.xml.old
new unkelem;        zone myz '<zone><unknowntag/></zone>'
new unkattr;        zone myz '<zone><service name="ssh" foo="bar"/></zone>'
new unkattr_root;   zone myz '<zone foo="bar"/>'
new port99999;      zone myz '<zone><port port="99999" protocol="tcp"/></zone>'
new badproto;       zone myz '<zone><port port="22" protocol="icmp"/></zone>'
new rule_noaction;  zone myz '<zone><rule family="ipv4"><source address="192.0.2.1"/><port port="22" protocol="tcp"/></rule><service name="ssh"/></zone>'
new rule_badaddr;   zone myz '<zone><rule family="ipv4"><source address="2001:db8::1"/><port port="22" protocol="tcp"/><reject/></rule></zone>'
new rule_nofamily;  zone myz '<zone><rule><source address="192.0.2.1"/><port port="22" protocol="tcp"/><reject/></rule></zone>'
new rule_badprio;   zone myz '<zone><rule family="ipv4" priority="abc"><source address="192.0.2.1"/><drop/></rule></zone>'
new rule_prio_oob;  zone myz '<zone><rule family="ipv4" priority="40000"><source address="192.0.2.1"/><drop/></rule></zone>'
new rule_badfamily; zone myz '<zone><rule family="inet"><source address="192.0.2.1"/><drop/></rule></zone>'
new rule_rejtype_nofam; zone myz '<zone><rule><port port="22" protocol="tcp"/><reject type="tcp-reset"/></rule></zone>'
new rule_badlimit;  zone myz '<zone><rule family="ipv4"><service name="ssh"/><accept><limit value="3/week"/></accept></rule></zone>'
new action_outside; zone myz '<zone><accept/><service name="ssh"/><port port="2222" protocol="tcp"/></zone>'
new dest_outside;   zone myz '<zone><destination address="192.0.2.1"/><service name="ssh"/></zone>'
new unk_icmpblock;  zone myz '<zone><icmp-block name="nosuchicmp"/></zone>'
new rich_unk_icmp;  zone myz '<zone><rule><icmp-type name="nosuchicmp"/><accept/></rule></zone>'
new badsource;      zone myz '<zone><source address="300.1.2.3"/></zone>'
new badiface;       zone myz '<zone><interface name="a b"/></zone>'
new longiface;      zone myz '<zone><interface name="abcdefghijklmnopq"/></zone>'
new svc_unkinclude; svc mysvc '<service><include service="nosuch"/></service>'; zone myz '<zone><service name="mysvc"/></zone>'
new svc_override;   svc ssh '<service><port port="2222" protocol="tcp"/></service>'
new svc_malformed;  svc ssh '<service><port port="22" protocol="tcp"></service>'
new root_wrong;     zone myz '<service name="ssh"/>'
new root_port;      zone myz '<port port="2222" protocol="tcp"/>'
new nested;         zone myz '<zone><short><service name="ssh"/></short></zone>'
new pol_unkzone;    pol mypol '<policy target="CONTINUE"><ingress-zone name="nosuch"/><egress-zone name="HOST"/></policy>'
new pol_notarget;   pol mypol '<policy><ingress-zone name="ANY"/><egress-zone name="HOST"/></policy>'
new pol_prio0;      pol mypol '<policy target="CONTINUE" priority="0"><ingress-zone name="ANY"/><egress-zone name="HOST"/></policy>'
new pol_unksvc;     pol mypol '<policy target="CONTINUE"><ingress-zone name="ANY"/><egress-zone name="HOST"/><service name="nosuch"/></policy>'
new pol_namezone;   pol public '<policy target="CONTINUE"><ingress-zone name="ANY"/><egress-zone name="HOST"/></policy>'
new zone_missing_block; printf '%s\n<zone target="%%%%REJECT%%%%"/>\n' "$hdr" > /dev/null; mkdir -p $C/zone_missing_block_usr; cp -r /usr/lib/firewalld/. $C/zone_missing_block_usr/; rm $C/zone_missing_block_usr/zones/block.xml
new combined;       mkdir $T/zones/combo; printf '%s\n<zone><service name="ssh"/></zone>\n' "$hdr" > $T/zones/combo/a.xml; printf '%s\n<zone><port port="2222" protocol="tcp"/><interface name="eth5"/></zone>\n' "$hdr" > $T/zones/combo/b.xml
new combined_bad;   mkdir $T/zones/combo; printf '%s\n<zone><service name="nosuch"/></zone>\n' "$hdr" > $T/zones/combo/a.xml
new ipset_bad;      printf '%s\n<ipset type="hash:foo"><entry>192.0.2.1</entry></ipset>\n' "$hdr" > $T/ipsets/s1.xml
new ipset_badentry; printf '%s\n<ipset type="hash:ip"><entry>notanip</entry></ipset>\n' "$hdr" > $T/ipsets/s1.xml; zone myz '<zone><source ipset="s1"/></zone>'
new dup_conf;       printf 'DefaultZone=drop\nDefaultZone=public\n' > $T/firewalld.conf
new xxe;            printf '%s\n<!DOCTYPE zone [<!ENTITY x SYSTEM "file:///etc/hostname">]>\n<zone><short>&x;</short></zone>\n' "$hdr" > $T/zones/myz.xml
new intent;         printf '%s\n<!DOCTYPE zone [<!ENTITY s "ssh">]>\n<zone><service name="&s;"/></zone>\n' "$hdr" > $T/zones/myz.xml
new bomb;           { echo "$hdr"; echo '<!DOCTYPE zone ['; echo '<!ENTITY a0 "xxxxxxxxxx">'; for i in $(seq 1 9); do printf '<!ENTITY a%d "&a%d;&a%d;&a%d;&a%d;&a%d;&a%d;&a%d;&a%d;&a%d;&a%d;">\n' $i $((i-1)) $((i-1)) $((i-1)) $((i-1)) $((i-1)) $((i-1)) $((i-1)) $((i-1)) $((i-1)) $((i-1)); done; echo ']>'; echo '<zone><short>&a9;</short></zone>'; } > $T/zones/myz.xml
new bom;            printf '\xef\xbb\xbf%s\n<zone><service name="ssh"/></zone>\n' "$hdr" > $T/zones/myz.xml
new latin1;         printf '<?xml version="1.0" encoding="iso-8859-1"?>\n<zone><short>caf\xe9</short><service name="ssh"/></zone>\n' > $T/zones/myz.xml
new badutf8;        printf '%s\n<zone><short>caf\xe9</short><service name="ssh"/></zone>\n' "$hdr" > $T/zones/myz.xml
new uppercase_ext;  printf '%s\n<zone><service name="sshh"/></zone>\n' "$hdr" > $T/zones/myz.XML
new symlink_zone;   ln -s /usr/lib/firewalld/zones/drop.xml $T/zones/myz.xml
new dir_named_xml;  mkdir $T/zones/foo.xml
# --- added later (entity bombs in attribute / in text, names, misc) ---
bombf() { new $1; { echo "$hdr"; echo '<!DOCTYPE zone ['; echo '<!ENTITY a0 "xxxxxxxxxx">'; for i in $(seq 1 $2); do printf '<!ENTITY a%d "&a%d;&a%d;&a%d;&a%d;&a%d;&a%d;&a%d;&a%d;&a%d;&a%d;">\n' $i $((i-1)) $((i-1)) $((i-1)) $((i-1)) $((i-1)) $((i-1)) $((i-1)) $((i-1)) $((i-1)) $((i-1)); done; echo ']>'; echo "$3"; } > $T/zones/myz.xml; }
bombf bomb_attr 9 '<zone><service name="&a9;"/></zone>'
bombf bomb_1m 5 '<zone><short>&a5;</short><service name="ssh"/></zone>'
bombf bomb_100k 4 '<zone><short>&a4;</short><service name="ssh"/></zone>'
new unicode_name;   printf '%s\n<zone><service name="ssh"/></zone>\n' "$hdr" > "$T/zones/zöne.xml"
new iface16;        zone z '<zone><interface name="abcdefghijklmnop"/></zone>'
new pol_iface;      pol p '<policy target="CONTINUE"><ingress-zone name="ANY"/><egress-zone name="HOST"/><interface name="x"/></policy>'
new combined_longname; mkdir $T/zones/abcdefghijklmnopqr; printf '%s\n<zone/>\n' "$hdr" > $T/zones/abcdefghijklmnopqr/a.xml
new svc_port_noattr; svc s '<service><port/></service>'
new zone_port_noproto; zone z '<zone><port port="22"/></zone>'
new rule_two_elements; zone z '<zone><rule><service name="ssh"/><port port="22" protocol="tcp"/><reject/></rule><service name="http"/></zone>'
new src_mac_zone;   zone z '<zone><source address="02:00:00:00:00:01"/></zone>'
new doctype_only;   printf '%s\n<!DOCTYPE zone SYSTEM "http://example.invalid/zone.dtd">\n<zone><service name="ssh"/></zone>\n' "$hdr" > $T/zones/z.xml
new ns_prefix;      zone z '<zone xmlns="urn:x"><service name="ssh"/></zone>'
new twofiles_same_iface_etc_usr; zone work '<zone><interface name="eth0"/></zone>'; zone public '<zone><interface name="eth0"/><service name="ssh"/></zone>'
new limit_outside;  zone z '<zone><limit value="1/m"/><service name="ssh"/></zone>'
new log_outside;    zone z '<zone><log/><service name="ssh"/></zone>'
new action_then_rule; zone z '<zone><drop/><service name="http"/><rule family="ipv4"><source address="192.0.2.2"/><accept/></rule><service name="ssh"/></zone>'
new rst_srconly;   zone z '<zone><source address="192.0.2.0/24"/><rule family="ipv4"><source address="192.0.2.2"/><reject type="tcp-reset"/></rule></zone>'
new rst_udpport;   zone z '<zone><source address="192.0.2.0/24"/><rule family="ipv4"><port port="53" protocol="udp"/><reject type="tcp-reset"/></rule></zone>'
new rst_tcpport;   zone z '<zone><source address="192.0.2.0/24"/><rule family="ipv4"><port port="22" protocol="tcp"/><reject type="tcp-reset"/></rule></zone>'
new rst_svc_mixed; zone z '<zone><source address="192.0.2.0/24"/><rule family="ipv4"><service name="dns"/><reject type="tcp-reset"/></rule></zone>'

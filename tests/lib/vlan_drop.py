#!/usr/bin/env python3
"""Writes a drop of consumer networks as VLANs on one trunk, for the VLAN
tests: one [nic cVID] (interface TRUNK, vlan = VID, 10.0.0.1/24: the same
address on every VLAN) per VLAN, a provider NIC on pv0 (192.168.10.201/24,
also the NAT IP), one service "web" (443 -> 192.168.10.11:9000, PROXY v2)
and on every VLAN an endpoint per address of --ips.

Usage: vlan_drop.py DIR FIRST_VID COUNT [options]
  --trunk IF        the trunk interface (tr0)
  --ips A,B,...     the endpoints of every VLAN (10.0.0.5)
  --extra VID:IP    one more endpoint on VLAN VID only (may repeat)
  --pending VID     that VLAN's endpoints stay Pending (may repeat)
  --skip VID        no NIC for that VLAN of the range (may repeat)
  --appliance FILE  copied as 00-appliance.ini
  --backend A:PORT  the service's backend (192.168.10.11:9000)
  --nat-ip A        the service's NAT IP (192.168.10.201, the provider NIC's)

An endpoint is named eVID-LAST (LAST: the address's last byte) and its
link id is VID * 256 + LAST, so a PROXY v2 header names its VLAN.
"""
import argparse
import os
import shutil


def link_id(vid, ip):
    return vid * 256 + int(ip.rsplit(".", 1)[1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("first", type=int)
    ap.add_argument("count", type=int)
    ap.add_argument("--trunk", default="tr0")
    ap.add_argument("--ips", default="10.0.0.5")
    ap.add_argument("--extra", action="append", default=[])
    ap.add_argument("--pending", action="append", type=int, default=[])
    ap.add_argument("--skip", action="append", type=int, default=[])
    ap.add_argument("--appliance")
    ap.add_argument("--backend", default="192.168.10.11:9000")
    ap.add_argument("--nat-ip", default="192.168.10.201")
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    if a.appliance:
        shutil.copy(a.appliance, os.path.join(a.dir, "00-appliance.ini"))
    vids = [v for v in range(a.first, a.first + a.count) if v not in a.skip]
    eps = [(v, ip) for v in vids for ip in a.ips.split(",")]
    eps += [(int(v), ip) for v, ip in (x.split(":") for x in a.extra)]
    with open(os.path.join(a.dir, "10-nics.ini"), "w") as f:
        f.write("[nic provider0]\ninterface = pv0\naddress = 192.168.10.201/24\nrole = provider\n")
        for v in vids:
            f.write("\n[nic c%d]\ninterface = %s\nvlan = %d\naddress = 10.0.0.1/24\n"
                    "role = consumer\n" % (v, a.trunk, v))
    with open(os.path.join(a.dir, "20-services.ini"), "w") as f:
        f.write("[service web]\nfrontend_port = 443\nbackend = %s\n"
                "nat_ip = %s\nproxy_protocol = on\n" % (a.backend, a.nat_ip))
    with open(os.path.join(a.dir, "30-endpoints.ini"), "w") as f:
        for v, ip in eps:
            name = "e%d-%s" % (v, ip.rsplit(".", 1)[1])
            f.write("[endpoint %s]\nnic = c%d\nip = %s\nservice = web\nlink_id = %d\n\n"
                    % (name, v, ip, link_id(v, ip)))
            f.write("[approval %s]\nstate = %s\n\n"
                    % (name, "Pending" if v in a.pending else "Approved"))


if __name__ == "__main__":
    main()

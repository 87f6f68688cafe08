#!/usr/bin/env python3
"""Writes N Kubernetes manifests for Benchmarks/lint.sh: DIR/app-K.yaml, each a Deployment (two containers and an init
container), a Service and a CronJob, kustomize-style, with comments; images from docker.io, ghcr.io and quay.io,
tags and some digests. Usage: make-manifests.py DIR N"""
import os
import sys

directory, count = sys.argv[1], int(sys.argv[2])
os.makedirs(directory, exist_ok=True)
template = """# app-{k}: rendered by a generator for the lint benchmark
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-{k}
  labels: {{app: app-{k}, tier: web}}
spec:
  replicas: 2
  selector:
    matchLabels: {{app: app-{k}}}
  template:
    metadata:
      labels: {{app: app-{k}}}
    spec:
      initContainers:
        - name: init
          image: busybox:1.36.{m}
      containers:
        - name: web
          image: "ghcr.io/org/app-{k}:1.{m}.0"   # the application
          ports: [{{containerPort: 8080}}]
        - name: metrics
          image: 'quay.io/prometheus/node-exporter:v1.8.{m}@sha256:{digest}'
---
apiVersion: v1
kind: Service
metadata: {{name: app-{k}}}
spec:
  selector: {{app: app-{k}}}
  ports:
    - port: 80
      targetPort: 8080
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: app-{k}-report
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
            - name: report
              image: docker.io/library/python:3.12.{m}-slim
"""
for k in range(count):
    with open(os.path.join(directory, f"app-{k}.yaml"), "w") as f:
        f.write(template.format(k=k, m=k % 7, digest=f"{k:064x}"))

#!/usr/bin/env python
# -*- coding: utf-8 -*-
import os  # noqa: F401

# x = compute(1)
# print(x)
# type: ignore
# pragma: no cover
VALUE = 1

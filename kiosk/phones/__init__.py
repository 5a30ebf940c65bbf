"""Phones at the door: handed in, returned, confiscated and collected (desk), and those still held
(held).
"""

build2/obj/labvm/initramfs.o: labvm/initramfs.c labvm/lab.h common/util.h \
 common/paths.h common/run.h common/util.h
labvm/lab.h:
common/util.h:
common/paths.h:
common/run.h:
common/util.h:

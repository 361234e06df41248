build2/obj/labvm/modrun.o: labvm/modrun.c labvm/modrun.h labvm/vm.h \
 labvm/lab.h common/util.h labvm/proto.h common/run.h common/util.h
labvm/modrun.h:
labvm/vm.h:
labvm/lab.h:
common/util.h:
labvm/proto.h:
common/run.h:
common/util.h:

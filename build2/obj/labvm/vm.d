build2/obj/labvm/vm.o: labvm/vm.c labvm/vm.h labvm/lab.h common/util.h \
 labvm/proto.h common/run.h common/util.h common/paths.h
labvm/vm.h:
labvm/lab.h:
common/util.h:
labvm/proto.h:
common/run.h:
common/util.h:
common/paths.h:

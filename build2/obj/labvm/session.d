build2/obj/labvm/session.o: labvm/session.c labvm/session.h labvm/lab.h \
 common/util.h labvm/vm.h labvm/proto.h common/run.h common/util.h \
 common/paths.h
labvm/session.h:
labvm/lab.h:
common/util.h:
labvm/vm.h:
labvm/proto.h:
common/run.h:
common/util.h:
common/paths.h:

build2/obj/grader/check-slabinfo.o: grader/check-slabinfo.c \
 grader/check.h grader/course.h labvm/modrun.h labvm/vm.h labvm/lab.h \
 common/util.h labvm/proto.h common/run.h common/util.h grader/store.h \
 grader/ktap.h
grader/check.h:
grader/course.h:
labvm/modrun.h:
labvm/vm.h:
labvm/lab.h:
common/util.h:
labvm/proto.h:
common/run.h:
common/util.h:
grader/store.h:
grader/ktap.h:
